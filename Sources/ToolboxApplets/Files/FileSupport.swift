import ToolboxCore

// Shared by the file applets (ls, cat, stat, readlink, find): one
// PathOpener per run (so a borrowed /proc/PID/root costs one fork), the
// --verbose access note, and user/group names from the right /etc.

final class FileSession {
    let ctx: Context
    let opener: PathOpener
    private var names: [String: (IDNames, IDNames)] = [:]

    let verbose: Bool

    init(_ ctx: Context, verbose: Bool) {
        self.ctx = ctx
        self.verbose = verbose
        opener = PathOpener(procRoot: ctx.procfs.root)
        if verbose {
            opener.onAccess = { [unowned ctx] r in
                var how = "\(r.access)"
                if case .borrowed(let uid, let gid) = r.access {
                    how += " (a child took uid \(uid) gid \(gid) to open it; this process keeps its own identity)"
                } else {
                    how += " (this process may read it)"
                }
                ctx.noteOnce("access " + r.path, "\(r.path): access: \(how)")
            }
        }
    }

    /// Opens a user path; a failure is reported and nil returned. The
    /// message is `applet: subject: reason`, or the applet's GNU wording
    /// from `gnu` (e.g. ls's `cannot access 'x': No such file or directory`)
    /// when the reason is a plain errno.
    func open(_ path: String, flags: Int32, gnu: ((String, Errno) -> String)? = nil) -> OpenedPath? {
        do { return try opener.open(path, flags: flags) } catch {
            ctx.out.flush()
            if let gnu, error.detail == nil { ctx.warn(gnu(path, error.errno)) } else { ctx.warn(error.message) }
            return nil
        }
    }

    /// User and group names: the target root's /etc/passwd and /etc/group
    /// for a path under /proc/PID/root (empty when absent: numbers are
    /// shown), else the debugger's own.
    func idNames(_ root: ConfinedRoot?) -> (users: IDNames, groups: IDNames) {
        let key = root?.path ?? ""
        if let n = names[key] { return n }
        let n: (IDNames, IDNames)
        if let root {
            n = rootIDNames(ctx, root, verbose: verbose)
        } else {
            let host = HostNames(ctx)
            n = (host.users, host.groups)
        }
        names[key] = n
        return n
    }
}

/// A container root's /etc/passwd and /etc/group, read bounded
/// (`readChosenFile`): a missing or rejected file names no one (numbers are
/// shown), and with `verbose` a rejected one is explained once.
func rootIDNames(_ ctx: Context, _ root: ConfinedRoot, verbose: Bool) -> (users: IDNames, groups: IDNames) {
    func load(_ file: String) -> IDNames {
        do { return IDNames(parsing: try readFileInRoot(root.fd, file)) } catch {
            if verbose, error.errno != .noSuchFile {
                ctx.noteOnce(root.path + file, "\(root.path)\(file): \(error.message): ids are shown as numbers")
            }
            return IDNames()
        }
    }
    return (load("/etc/passwd"), load("/etc/group"))
}

/// The option every file applet has: say how /proc/PID/root was opened.
let verboseOption = Option.flag(nil, "verbose", "say on stderr how each /proc/PID/root was opened (direct, or borrowed uid)")

/// `dir/name` without doubling a slash.
func joinPath(_ dir: String, _ name: String) -> String {
    dir.hasSuffix("/") ? dir + name : dir + "/" + name
}

/// major(3)/minor(3) of a dev_t (glibc's encoding).
func devMajor(_ d: UInt64) -> UInt64 { ((d >> 32) & 0xffff_f000) | ((d >> 8) & 0xfff) }
func devMinor(_ d: UInt64) -> UInt64 { ((d >> 12) & 0xffff_ff00) | (d & 0xff) }

/// `name` with control characters as `?` (see `writeName`), for text that
/// is measured before it is written (padded columns).
func terminalSafe(_ name: [UInt8]) -> [UInt8] {
    let w = OutputWriter.memory()
    name.withUnsafeBufferPointer { writeName(w, $0, sanitize: true) }
    w.flush()
    return w.captured
}

/// Writes a file name. On a terminal, control characters (C0, DEL and the
/// UTF-8 encoded C1 range) are written as `?`, as GNU ls and find do, so a
/// file name in the target container cannot drive the debugger's terminal.
@inline(__always)
func writeName(_ out: OutputWriter, _ name: Bytes, sanitize: Bool) {
    if !sanitize { out.write(name); return }
    var i = 0, start = 0
    let n = name.count
    while i < n {
        let c = name[i]
        var len = 0
        if c < 0x20 || c == 0x7F { len = 1 }
        else if c == 0xC2 && i + 1 < n && name[i + 1] >= 0x80 && name[i + 1] <= 0x9F { len = 2 }
        if len == 0 { i += 1; continue }
        if i > start { out.write(Bytes(rebasing: name[start..<i])) }
        out.byte(0x3F)
        i += len
        start = i
    }
    if n > start { out.write(Bytes(rebasing: name[start..<n])) }
}
