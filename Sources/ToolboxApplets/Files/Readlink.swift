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
                let t = try session.opener.readLink(opened, subject: op)
                emit(t); if newline { ctx.out.byte(ASCII.newline) }
            } catch {
                if error.detail != nil { ctx.out.flush(); ctx.warn(error.message) }
                status = ExitCode.failure   // GNU: silent for a missing file or a non-link
            }
            continue
        }
        // One resolver for every path: through a process root (any
        // spelling, the working directory too) the walk continues inside
        // it and prints the result under the same /proc/PID/root prefix.
        do {
            let r = try session.opener.canonicalize(op)
            r.fd?.close()
            emit(r.canonical); if newline { ctx.out.byte(ASCII.newline) }
        } catch {
            // GNU readlink -f is silent on a missing component; an access
            // refusal is explained (see ProcAccess.swift).
            if error.detail != nil { ctx.out.flush(); ctx.warn(error.message) }
            status = ExitCode.failure
        }
    }
    return status
}
