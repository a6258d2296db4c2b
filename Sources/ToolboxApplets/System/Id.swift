import ToolboxCore

let idApplet = Applet(spec: AppletSpec(
    name: "id",
    summary: "Print user and group ids and names of this process or of USER (GNU id)",
    usage: ["[OPTION]... [USER]..."],
    details: """
    Names come from the debugger's own /etc/passwd and /etc/group, parsed
    directly (no NSS). For USER, the groups are the primary group and every
    group of /etc/group that lists USER, as getgrouplist(3) gives them.
    """,
    options: [
        .flag("g", "group", "print only the effective group ID"),
        .flag("G", "groups", "print all group IDs"),
        .flag("n", "name", "print a name instead of a number, for -u, -g, -G"),
        .flag("r", "real", "print the real ID instead of the effective ID, with -u, -g, -G"),
        .flag("u", "user", "print only the effective user ID"),
        .flag("z", "zero", "delimit entries with NUL characters, not whitespace"),
    ]), run: runId)

@Sendable
func runId(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = idApplet.spec
    let p = try spec.parse(args, usageExit: ExitCode.failure)
    let onlyUser = p.has("user"), onlyGroup = p.has("group"), onlyGroups = p.has("groups")
    let names = p.has("name"), real = p.has("real"), zero = p.has("zero")
    if [onlyUser, onlyGroup, onlyGroups].filter({ $0 }).count > 1 {
        throw ToolError.failure("cannot print \"only\" of more than one choice")
    }
    let defaultFormat = !(onlyUser || onlyGroup || onlyGroups)
    if defaultFormat && (names || real) {
        throw ToolError.failure("cannot print only names or real IDs in default format")
    }
    if defaultFormat && zero { throw ToolError.failure("option --zero not permitted in default format") }
    let host = HostNames(ctx)
    let passwd = (try? readWholeFile(ctx.hostRoot + "/etc/passwd")) ?? []
    let groupFile = (try? readWholeFile(ctx.hostRoot + "/etc/group")) ?? []
    let db = passwd.withUnsafeBufferPointer { pw in groupFile.withUnsafeBufferPointer { gr in UserDatabase(passwd: pw, group: gr) } }

    struct Who { var ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32, groups: [UInt32] }
    var targets: [Who?] = []
    if p.operands.isEmpty {
        let egid = getegid()
        var list: [UInt32] = [egid]
        let n = getgroups(0, nil)
        if n > 0 {
            var buf = [gid_t](repeating: 0, count: Int(n))
            let got = getgroups(n, &buf)
            if got > 0 { list += buf[..<Int(got)] }
        }
        targets.append(Who(ruid: getuid(), euid: geteuid(), rgid: getgid(), egid: egid, groups: dedupeGroups(list)))
    } else {
        for name in p.operands {
            // GNU id: a user name, else a number (`+N` forces a number).
            var u = name.hasPrefix("+") ? nil : db.user(named: name)
            if u == nil, let n = UInt32(name.hasPrefix("+") ? String(name.dropFirst()) : name) { u = db.user(uid: n) }
            guard let u else { ctx.warn("'\(name)': no such user"); targets.append(nil); continue }
            targets.append(Who(ruid: u.uid, euid: u.uid, rgid: u.gid, egid: u.gid,
                               groups: dedupeGroups(db.groupList(user: u.name, gid: u.gid))))
        }
    }
    let out = ctx.out
    func user(_ id: UInt32) {
        if names, let n = host.users.name(id) { out.write(n); return }
        if names { ctx.out.flush(); ctx.warn("cannot find name for user ID \(id)") }
        out.decimal(id)
    }
    func group(_ id: UInt32) {
        if names, let n = host.groups.name(id) { out.write(n); return }
        if names { ctx.out.flush(); ctx.warn("cannot find name for group ID \(id)") }
        out.decimal(id)
    }
    func labelled(_ label: String, _ id: UInt32, _ table: IDNames) {
        out.write(label); out.decimal(id)
        if let n = table.name(id) { out.byte(0x28); out.write(n); out.byte(0x29) }
    }
    for case let w? in targets {
        if onlyUser { user(real ? w.ruid : w.euid) }
        else if onlyGroup { group(real ? w.rgid : w.egid) }
        else if onlyGroups {
            // GNU print_group_list: real gid, effective gid, then the rest (-r changes nothing).
            var list = [w.rgid]
            if w.egid != w.rgid { list.append(w.egid) }
            list += w.groups.filter { $0 != w.rgid && $0 != w.egid }
            for (i, g) in list.enumerated() {
                if i > 0 { out.byte(zero ? 0 : ASCII.space) }
                group(g)
            }
        } else {
            labelled("uid=", w.ruid, host.users)
            labelled(" gid=", w.rgid, host.groups)
            if w.euid != w.ruid { labelled(" euid=", w.euid, host.users) }
            if w.egid != w.rgid { labelled(" egid=", w.egid, host.groups) }
            for (i, g) in w.groups.enumerated() { labelled(i == 0 ? " groups=" : ",", g, host.groups) }
        }
        out.byte(zero ? 0 : ASCII.newline)
    }
    return ExitCode.success
}

/// gnulib mgetgroups's clean-up: drop entries equal to the first or to
/// the one just kept.
func dedupeGroups(_ list: [UInt32]) -> [UInt32] {
    guard let first = list.first else { return [] }
    var out = [first]
    for g in list.dropFirst() where g != first && g != out.last! { out.append(g) }
    return out
}
