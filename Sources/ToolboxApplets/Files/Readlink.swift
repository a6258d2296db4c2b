import ToolboxCore

let readlinkApplet = Applet(spec: AppletSpec(
    name: "readlink",
    summary: "Print a symbolic link's target, or (-f) the canonical path, resolved inside the container for /proc/PID/root paths",
    usage: ["[-fn] [--verbose] FILE..."],
    details: """
    Without -f, prints the link's text; a FILE that is not a symbolic link prints
    nothing and exits 1 (as GNU readlink). With -f, every component but the last
    must exist. Under /proc/PID/root, -f resolves absolute links and `..` inside
    the container and prints the result under the same /proc/PID/root prefix, so
    it can be passed to the other applets.
    """,
    options: [
        .flag("f", "canonicalize", "canonicalize: follow every symlink in every component"),
        .flag("n", "no-newline", "do not print the newline"),
        verboseOption,
    ]), run: runReadlink)

@Sendable
func runReadlink(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try readlinkApplet.spec.parse(args)
    if p.operands.isEmpty { throw readlinkApplet.spec.usageError("missing operand") }
    let session = FileSession(ctx, verbose: p.has("verbose"))
    let canonical = p.has("canonicalize")
    let newline = !p.has("no-newline")
    // On a terminal, control characters as `?` (link text comes from the
    // container), as ls prints link targets; pipes get the exact bytes.
    let tty = ctx.out.isTerminal
    func emit(_ s: String) { Array(s.utf8).withUnsafeBufferPointer { writeName(ctx.out, $0, sanitize: tty) } }
    var status = ExitCode.success
    for op in p.operands {
        if !canonical {
            do {
                let opened = try session.opener.open(op, flags: O_PATH | O_NOFOLLOW)
                defer { opened.fd.close() }
                let t = try readLink("", relativeTo: opened.fd)
                emit(t); if newline { ctx.out.byte(ASCII.newline) }
            } catch let e as PathError {
                if e.detail != nil { ctx.out.flush(); ctx.warn(e.message) }
                status = ExitCode.failure   // GNU: silent for a missing file or a non-link
            } catch {
                status = ExitCode.failure
            }
            continue
        }
        let split = SplitPath(op, procRoot: ctx.procfs.root)
        do {
            let result: String
            if let rootPath = split.root {
                let root = try session.opener.root(rootPath, pid: split.pid)
                let (fd, inner) = try wrap(op) { () throws(Errno) in try walkInRoot(root.fd, root.resolve(split.inner), flags: O_PATH, allowMissingLast: true) }
                fd?.close()
                result = inner == "/" ? root.rootPath : root.rootPath + inner
            } else {
                var path = op
                if !path.hasPrefix("/") {
                    guard let cwd = try? readLink("/proc/self/cwd") else { throw PathError(op, Errno.current) }
                    path = joinPath(cwd, path)
                }
                let slash = try wrap(op) { () throws(Errno) in try FileDescriptor.open("/", O_PATH | O_DIRECTORY) }
                defer { slash.close() }
                let (fd, resolved) = try wrap(op) { () throws(Errno) in try walkInRoot(slash, path, flags: O_PATH, allowMissingLast: true, followMagicLinks: true) }
                fd?.close()
                result = resolved
            }
            emit(result); if newline { ctx.out.byte(ASCII.newline) }
        } catch let e as PathError {
            ctx.out.flush(); ctx.warn(e.message)
        }
    }
    return status
}

/// Runs `body`, turning an Errno into a PathError about `subject`.
func wrap<T>(_ subject: String, _ body: () throws(Errno) -> T) throws(PathError) -> T {
    do { return try body() } catch { throw PathError(subject, error) }
}
