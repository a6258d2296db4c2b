import ToolboxCore
@testable import ToolboxApplets
@testable import ToolboxShell

// Parsers of what a DNS server, an HTTP server or a container's files hand
// toolbox: each target returns a summary of the parsed value, so the replay
// compares values, not only "no crash".

/// A DNS reply as dig/host/nslookup receive it: parsed, each record laid out
/// as dig and nslookup print it, then encoded and parsed again (what we
/// parsed must survive our own encoder).
let dnsFuzzTarget = FuzzTarget(name: "dns", seeds: [
    "net/dns/a.bin", "net/dns/aaaa.bin", "net/dns/big-txt.bin", "net/dns/caa.bin", "net/dns/cname.bin",
    "net/dns/mx.bin", "net/dns/nxdomain.bin", "net/dns/ptr.bin", "net/dns/srv.bin", "net/dns/txt.bin",
]) { data in
    let m: DNSMessage
    do throws(DNSError) { m = try DNSMessage.parse(UnsafeRawBufferPointer(data)) } catch { return "error \(error)" }
    var r = "rcode=\(DNSRcode.name(m.rcode)) q=\(m.questions.count) an=\(m.answers.count) ns=\(m.authority.count) ar=\(m.additional.count)"
    for rec in (m.answers + m.authority + m.additional).prefix(4) {
        r += " [" + digRecordLine(rec) + "|" + nslookupRecord(rec) + "]"
    }
    for rec in bindOrder(m.answers).prefix(2) { r += " " + DNSType.name(rec.type) }
    do throws(DNSError) {
        let again = try DNSMessage.parse(try m.encode())
        r += again.answers.count == m.answers.count ? " reencoded" : " reencoded-differs"
    } catch { r += " reencode=\(error)" }
    return r
}

/// An HTTP response head and body as curl/wget read them: the whole input
/// as one reply (status, headers, body framing), then the body fed to the
/// chunked decoder in 7-byte pieces, then a Location-style URL resolution.
let httpFuzzTarget = FuzzTarget(name: "http", seeds: []) { data in
    var r = ""
    let bytes = Array(data)
    do throws(HTTPError) {
        if let resp = try HTTPResponse.parse(bytes, maxBody: 1 << 16) {
            r += "status=\(resp.head.status) headers=\(resp.head.fields.count) body=\(resp.body.count)"
        } else { r += "incomplete" }
    } catch { r += "error=\(error)" }
    var decoder = ChunkedDecoder()
    var out = 0, i = 0
    var failure: HTTPError? = nil
    let raw = UnsafeRawBufferPointer(data)
    while i < raw.count && !decoder.isDone && failure == nil {
        let piece = UnsafeRawBufferPointer(rebasing: raw[i..<min(i + 7, raw.count)])
        do throws(HTTPError) {
            let used = try decoder.feed(piece) { out += $0.count }
            i += used
            if used < piece.count { break }
        } catch { failure = error }
    }
    if let failure { r += " chunked-error=\(failure)" } else { r += " chunked=\(out)\(decoder.isDone ? " done" : "")" }
    let text = String(decoding: bytes.prefix(256), as: UTF8.self)
    do throws(HTTPURL.ParseError) {
        let base = try HTTPURL.parse("http://example.test:8080/a/b?c")
        let u = try base.resolving(text)
        r += " url=\(u.host):\(u.port)\(u.path)"
    } catch { r += " url-error" }
    return r
}

/// The target's /etc/resolv.conf, /etc/hosts and nsswitch.conf, read by the
/// resolver; the first byte picks the file.
let resolverFilesFuzzTarget = FuzzTarget(name: "resolver-files", seeds: []) { data in
    guard let kind = data.first else { return "empty" }
    let body = Array(data.dropFirst())
    switch kind % 3 {
    case 0:
        let c = ResolvConf.parse(body)
        return "resolv ns=\(c.nameservers.count) search=\(c.search.count) ndots=\(c.ndots) tries=\(c.candidates("db.prod").count)"
    case 1:
        let h = HostsFile.parse(body)
        let a = h.lookup("localhost", v6: false)
        return "hosts localhost=\(a?.addresses.count ?? -1) name=\(h.name(for: [127, 0, 0, 1]) ?? "-")"
    default:
        return "nsswitch " + NSSwitchHosts.parse(body).sources.joined(separator: ",")
    }
}

/// /proc/PID/mountinfo, through the one reader (df, free, inspect, the
/// target-cgroup finder); `entries=` is kept in the replay line from when
/// df/free had a second parser.
let mountinfoFuzzTarget = FuzzTarget(name: "mountinfo", seeds: [
    "mountinfo/6.18.44-fc-v782-self.txt", "mountinfo/6.18.44-fc-v782-podman-app.txt",
]) { data in
    let b = MountInfo.parse(data)
    var r = "entries=\(b.mounts.count) mounts=\(b.mounts.count)"
    for m in b.mounts.prefix(3) {
        r += " " + VolumeKind.classify(path: m.root, fsType: m.fsType, mountPoint: m.mountPoint).rawValue
    }
    return r
}

/// /proc/PID/limits as inspect and prlimit read it.
let limitsFuzzTarget = FuzzTarget(name: "limits", seeds: [
    "limits/6.18.44-fc-v782-self.txt", "limits/6.18.44-fc-v782-podman-app.txt",
]) { data in
    let l = PidLimits.parse(data)
    return "limits=\(l.limits.count) nofile=\(l.limit("Max open files").map { "\($0.soft.map(String.init) ?? "unlimited")" } ?? "-")"
}

/// /proc/PID/smaps (pmap -x) and smaps_rollup (inspect memory), /proc/meminfo
/// (free, top) and /proc/PID/environ (inspect env); the first byte picks.
let procFilesFuzzTarget = FuzzTarget(name: "procfiles", seeds: []) { data in
    guard let kind = data.first else { return "empty" }
    let body = Bytes(rebasing: data[1...])
    switch kind % 4 {
    case 0:
        let s = Smaps.parse(body)
        return "smaps mappings=\(s.mappings.count)"
    case 1:
        guard let r = SmapsRollup.parse(body) else { return "rollup none" }
        return "rollup rss=\(r.kB("Rss").map(String.init) ?? "-")"
    case 2:
        return "meminfo \(Meminfo.parse(body) == Meminfo() ? "empty" : "some")"
    default:
        let e = Environ.parse(body)
        return "environ \(e.variables.count)"
    }
}

/// A shell script: parsed command by command as `sh FILE` does (never run),
/// and `$((...))` arithmetic on the same bytes with no variables.
let shellFuzzTarget = FuzzTarget(name: "shell", seeds: []) { data in
    let bytes = Array(data)
    let parser = Parser(bytes)
    var commands = 0
    var r = ""
    do throws(ShellSyntaxError) {
        while let _ = try parser.nextCommand() {
            commands += 1
            if commands > 10000 { break }
        }
        r = "commands=\(commands)"
    } catch { r = "commands=\(commands) error=\(error.message)" }
    var arith = ArithEvaluator(String(decoding: bytes.prefix(4096), as: UTF8.self), lookup: { _ in nil }, assign: { _, _ in })
    do { r += " arith=\(try arith.evaluate())" } catch let e as ArithError { r += " arith-error=\(e.message.prefix(40))" } catch { r += " arith-other" }
    return r
}

/// A packet as ping receives it: the first byte picks the socket kind
/// (bit 0: IPv6, bit 1: raw IPv4 with its IP header), the rest is the
/// packet, decoded by the parser ping uses (echo reply or a quoted error).
let icmpFuzzTarget = FuzzTarget(name: "icmp", seeds: []) { data in
    guard let mode = data.first else { return "empty" }
    let bytes = Array(data.dropFirst())
    let v6 = mode & 1 != 0
    guard let p = ICMPPacket.parse(bytes, v6: v6, withIPHeader: !v6 && mode & 2 != 0) else { return "ignored" }
    switch p.kind {
    case .reply(let seq, let off): return "reply id=\(p.identifier) seq=\(seq) off=\(off) ttl=\(p.ttl ?? -1) len=\(p.length)"
    case .error(let t, let c, let seq):
        return "error id=\(p.identifier) seq=\(seq) \(ICMPPacket.errorText(type: t, code: c, v6: v6)) len=\(p.length)"
    }
}

/// The shell's pure builtins with generated arguments: the first byte picks
/// printf, echo, test or `[` (bits 0-1), dash's or GNU's dialect (bit 2),
/// or (bit 3) a `${x%pattern}` removal (the operation from bits 4-5) with
/// the first argument as the value and the second as the pattern. The rest
/// is the arguments, split at NUL, at most 2 KiB of them (a removal is
/// quadratic in its value). Output goes to memory. A run whose value has 6
/// to 9 significant digits, or 10 below 2^31, keeps its leading zeros and
/// five of those digits: a width or precision there is a request for that
/// much output (printf streams a wide field's padding, but this target
/// captures it in memory). Leading zeros once let `%0000180351254o` through
/// (180 MB, 21 s under ASan). Longer values stay: past INT_MAX printf writes
/// nothing, and strtoll's and test's overflow paths need them. printf's
/// arguments (a `*` width or precision) are capped by value below.
let shellBuiltinsFuzzTarget = FuzzTarget(name: "shellbuiltins", seeds: []) { data in
    guard let mode = data.first else { return "empty" }
    let input = Array(data.dropFirst().prefix(2048))
    var bytes: [UInt8] = []
    bytes.reserveCapacity(input.count)
    var i = 0
    while i < input.count {
        var j = i
        while j < input.count, input[j] >= 0x30, input[j] <= 0x39 { j += 1 }
        if j == i { bytes.append(input[i]); i += 1; continue }
        let run = input[i..<j]
        let zeros = run.prefix { $0 == 0x30 }.count
        let digits = run.dropFirst(zeros)
        let cut = digits.count >= 6 && (digits.count <= 9 || (digits.count == 10 && UInt64(String(decoding: digits, as: UTF8.self))! <= UInt64(Int32.max)))
        bytes += cut ? Array(run.prefix(zeros + 5)) : Array(run)
        i = j
    }
    var args = withBytes(bytes) { fuzzArguments($0, limit: 64) }
    // printf's arguments as strtoll (base 0) reads them for `*`: a value
    // from 10^5 to 2^31 in octal or hex (`017777777777`, `0x7fffffff`)
    // escapes the digit cap above and asks for a 2 GB field; reduced
    // below 10^5 like the decimal runs
    if mode & 3 == 0 && mode & 8 == 0 {
        for k in args.indices.dropFirst() {
            let v = args[k].withCString { strtoll($0, nil, 0) }
            if v.magnitude >= 100_000 && v.magnitude <= UInt64(Int32.max) { args[k] = String(v % 100_000) }
        }
    }
    let dialect: UtilityDialect = mode & 4 != 0 ? .gnu : .dash
    if mode & 8 != 0 {
        let ops: [ParamOp] = [.removeSmallestSuffix, .removeLargestSuffix, .removeSmallestPrefix, .removeLargestPrefix]
        let value = args.first ?? "", pattern = args.count > 1 ? args[1] : ""
        let r = FuzzShell.shell.removePattern(value, pattern, ops[Int(mode >> 4) & 3])
        return "removed=\(value.utf8.count - r.utf8.count)"
    }
    let out = OutputWriter.memory()
    var warnings = 0
    let status: Int32
    switch mode & 3 {
    case 0: status = printfCommand(args, out: out, warn: { _ in warnings += 1 }, dialect: dialect)
    case 1: status = echoCommand(args, out: out, dialect: dialect)
    case 2: status = testCommand(args, bracket: false, warn: { _ in warnings += 1 }, dialect: dialect)
    default: status = testCommand(args + ["]"], bracket: true, warn: { _ in warnings += 1 }, dialect: dialect)
    }
    out.flush()
    precondition(status >= 0 && status <= 2, "builtin status \(status)")
    return "status=\(status) out=\(out.captured.count) warnings=\(warnings)"
}

/// One shell for the pattern removals (its variables are never read).
enum FuzzShell {
    nonisolated(unsafe) static let shell = Shell(arg0: "sh", applets: AppletRunner(names: { [] }, index: { _ in nil }, run: { _, _ in 127 }))
}
