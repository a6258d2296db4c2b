import ToolboxCore

let readlinkApplet = Applet(spec: AppletSpec(
    name: "readlink",
    summary: "Print a symbolic link's target, or (-f -e -m) the canonical path, resolved inside the container for /proc/PID/root paths",
    usage: ["[-femnqsvz] [--show-access] FILE..."],
    details: """
    Without -f/-e/-m, prints the link's text; a FILE that is not a symbolic link
    prints nothing and exits 1 (as GNU readlink). -f: every component but the
    last must exist; -e: every component must exist; -m: none need exist.
    Under /proc/PID/root, the canonical path is resolved inside the container
    (absolute links and `..` stay in it) and printed under the same
    /proc/PID/root prefix, so it can be passed to the other applets.
    """,
    options: [
        .flag("f", "canonicalize", "canonicalize: follow every symlink in every component; all but the last must exist"),
        .flag("e", "canonicalize-existing", "canonicalize; every component must exist"),
        .flag("m", "canonicalize-missing", "canonicalize; components need not exist"),
        .flag("n", "no-newline", "do not print the delimiter (ignored with several FILEs)"),
        .flag("q", "quiet", "do not report errors (the default)"),
        .flag("s", "silent", "same as -q"),
        .flag("v", "verbose", "report errors"),
        .flag("z", "zero", "end each output line with NUL, not newline"),
        .flag(nil, "show-access", "say on stderr how each /proc/PID/root was opened (direct, or borrowed uid)"),
    ]), run: runReadlink)

private enum CanonicalMode { case none, allButLast, existing, missing }

@Sendable
func runReadlink(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try readlinkApplet.spec.parse(args)
    if p.operands.isEmpty { throw readlinkApplet.spec.usageError("missing operand") }
    let session = FileSession(ctx, verbose: p.has("show-access"))
    var mode = CanonicalMode.none
    var verbose = false
    for key in p.order {
        switch key {
        case "canonicalize": mode = .allButLast
        case "canonicalize-existing": mode = .existing
        case "canonicalize-missing": mode = .missing
        case "quiet", "silent": verbose = false
        case "verbose": verbose = true
        default: break
        }
    }
    var newline = !p.has("no-newline")
    if !newline && p.operands.count > 1 {
        ctx.note("ignoring --no-newline with multiple arguments")
        newline = true
    }
    let delimiter: UInt8 = p.has("zero") ? 0 : ASCII.newline
    // On a terminal, control characters as `?` (link text comes from the
    // container), as ls prints link targets; pipes get the exact bytes.
    let tty = ctx.out.isTerminal
    var status = ExitCode.success
    for op in p.operands {
        do throws(PathError) {
            let text: String
            switch mode {
            case .none:
                let opened = try session.opener.open(op, flags: O_PATH | O_NOFOLLOW)
                defer { opened.fd.close() }
                if let st = try? opened.fd.stat(), st.st_mode & S_IFMT != S_IFLNK { throw PathError(op, .invalidArgument) }
                text = try session.opener.readLink(opened, subject: op)
            case .allButLast, .existing:
                // A trailing slash allows a missing last component, as
                // GNU's; an existing one must then be a directory.
                var name = Substring(op)
                while name.count > 1 && name.hasSuffix("/") { name = name.dropLast() }
                let r = try session.opener.canonicalize(String(name))
                defer { r.fd?.close() }
                if let fd = r.fd {
                    // `FILE/` must be a directory (GNU: ENOTDIR).
                    if op.hasSuffix("/"), let st = try? fd.stat(), st.st_mode & S_IFMT != S_IFDIR {
                        throw PathError(op, .notDirectory)
                    }
                } else if mode == .existing {
                    throw PathError(op, .noSuchFile)
                }
                text = r.canonical
            case .missing:
                text = try canonicalizeMissing(session.opener, op)
            }
            Array(text.utf8).withUnsafeBufferPointer { writeName(ctx.out, $0, sanitize: tty) }
            if newline { ctx.out.byte(delimiter) }
        } catch {
            // A refused /proc/PID/root is always explained (see ProcAccess.swift);
            // a plain failure only with -v, as GNU.
            if error.detail != nil {
                ctx.out.flush(); ctx.warn(error.message)
            } else if verbose {
                ctx.out.flush()
                ctx.warn(quotedName(op) + ": " + error.errno.message)
            }
            status = ExitCode.failure
        }
    }
    return status
}

/// `readlink -m` (gnulib canonicalize CAN_MISSING): each existing prefix is
/// resolved by the confined resolver (links followed, inside a process root
/// when it went through one); from the first missing component on, the rest
/// is joined as text, `..` removing a component; a link whose target does
/// not exist is followed as text (an absolute one from `/` or from the
/// process root). Never fails but for an empty name.
private func canonicalizeMissing(_ opener: PathOpener, _ path: String) throws(PathError) -> String {
    if path.isEmpty { throw PathError(path, .noSuchFile) }
    var prefix = "/", floor = "/"
    if !path.hasPrefix("/") {
        let here = try opener.canonicalize(".")
        here.fd?.close()
        prefix = here.canonical
        floor = here.root?.rootPath ?? "/"
    }
    var pending: [Substring] = []
    func push(_ p: String) { for c in p.split(separator: "/", omittingEmptySubsequences: true).reversed() { pending.append(c) } }
    func parent(_ p: String) -> String {
        guard p != floor, let slash = p.lastIndex(of: "/") else { return p }
        return slash == p.startIndex ? "/" : String(p[..<slash])
    }
    push(path)
    var missing = 0, links = 0
    while let comp = pending.popLast() {
        if comp == "." { continue }
        if comp == ".." {
            if missing > 0 { missing -= 1 }
            prefix = parent(prefix)
            continue
        }
        let candidate = prefix == "/" ? "/" + comp : prefix + "/" + comp
        if missing > 0 { prefix = candidate; missing += 1; continue }
        if let r = try? opener.canonicalize(candidate), let fd = r.fd {
            fd.close()
            prefix = r.canonical
            floor = r.root?.rootPath ?? "/"
            continue
        }
        // Missing, or a link that leads to something missing: follow its text.
        guard let o = try? opener.open(candidate, flags: O_PATH | O_NOFOLLOW) else {
            prefix = candidate; missing = 1; continue
        }
        defer { o.fd.close() }
        guard let st = try? o.fd.stat(), st.st_mode & S_IFMT == S_IFLNK, links < maxSymlinkFollows,
              let target = try? opener.readLink(o, subject: candidate) else {
            // A loop (GNU keeps the name), or something unreadable.
            prefix = candidate; missing = 1; continue
        }
        links += 1
        if target.hasPrefix("/") { prefix = floor }
        push(target)
    }
    return prefix
}
