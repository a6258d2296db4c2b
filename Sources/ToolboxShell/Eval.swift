import ToolboxCore

// Execution (dash's eval.c and redir.c): walks the tree, applies
// redirections with saved copies of the fds they replace, and runs builtins
// and functions in-process, applets after fork (no execve), and everything
// else through a PATH search and execve.

let maxFunctionDepth = 1000

extension Shell {
    @discardableResult
    func eval(_ node: Node) throws -> Int32 {
        let status: Int32
        switch node {
        case .simple(let cmd):
            status = try evalSimple(cmd, inChild: false)
            lastStatus = status
            try checkErrexit(status)
        case .sequence(let items):
            var s: Int32 = 0
            for n in items {
                s = try eval(n)
                if skip != .none { break }
                if pendingSignalCount.pointee != 0 { runPendingTraps() }
            }
            status = s
        case .andOr(let first, let rest):
            // set -e ignores every command of the list but the last
            errexitSuppressed += 1
            var s = try eval(first)
            errexitSuppressed -= 1
            for (i, step) in rest.enumerated() {
                if skip != .none { return s }
                guard step.and == (s == 0) else { continue }
                let last = i == rest.count - 1
                if !last { errexitSuppressed += 1 }
                s = try eval(step.node)
                if !last { errexitSuppressed -= 1 }
            }
            status = s
        case .pipeline(let stages, let negated):
            if negated { errexitSuppressed += 1 }
            var s: Int32
            if stages.count == 1 { s = try eval(stages[0]) } else { s = try evalPipeline(stages) }
            if negated { errexitSuppressed -= 1; s = s == 0 ? 1 : 0 }
            status = s
            lastStatus = status
            if !negated { try checkErrexit(status) }
        case .background(let n):
            try runBackground(n)
            status = 0
        case .subshell(let body, let redirs):
            let pid = try forkChild()
            if pid == 0 {
                enterSubshell()
                do {
                    _ = try applyRedirections(redirs, save: false)
                } catch let f as ShellFailure { report(f.message); exitChild(2) } catch { exitChild(2) }
                exitChild(evalInChild(body))
            }
            status = waitForeground([pid])
            lastStatus = status
            try checkErrexit(status)
        case .group(let body, let redirs):
            if redirs.isEmpty { status = try eval(body) } else {
                let saved: [SavedFd]
                do { saved = try applyRedirections(redirs, save: true) } catch let f as ShellFailure {
                    report(f.message); lastStatus = 2; return 2
                }
                defer { restoreRedirections(saved) }
                status = try eval(body)
            }
        case .ifClause(let cond, let then, let otherwise, let redirs):
            let saved = try redirs.isEmpty ? [] : applyRedirections(redirs, save: true)
            defer { restoreRedirections(saved) }
            errexitSuppressed += 1
            let c = try eval(cond)
            errexitSuppressed -= 1
            if skip != .none { return c }
            if c == 0 { status = try eval(then) }
            else if let o = otherwise { status = try eval(o) }
            else { status = 0 }
        case .loop(let cond, let body, let until, let redirs):
            let saved = try redirs.isEmpty ? [] : applyRedirections(redirs, save: true)
            defer { restoreRedirections(saved) }
            loopDepth += 1
            defer { loopDepth -= 1 }
            var s: Int32 = 0
            while true {
                errexitSuppressed += 1
                let c = try eval(cond)
                errexitSuppressed -= 1
                if skip != .none {
                    if loopControl() == .breakOut { break }
                    continue
                }
                if (c == 0) == until { break }
                s = try eval(body)
                if skip != .none { if loopControl() == .breakOut { break } }
            }
            status = s
        case .forLoop(let name, let words, let body, let redirs, let line):
            currentLine = line
            let saved = try redirs.isEmpty ? [] : applyRedirections(redirs, save: true)
            defer { restoreRedirections(saved) }
            let items = try words.map { try expandWords($0) } ?? positional
            loopDepth += 1
            defer { loopDepth -= 1 }
            var s: Int32 = 0
            for item in items {
                try setVariable(name, item)
                s = try eval(body)
                if skip != .none { if loopControl() == .breakOut { break } }
            }
            status = s
        case .caseClause(let subject, let items, let redirs):
            let saved = try redirs.isEmpty ? [] : applyRedirections(redirs, save: true)
            defer { restoreRedirections(saved) }
            let s = try expandString(subject)
            var result: Int32 = 0
            search: for item in items {
                for p in item.patterns {
                    let pattern = try expandPattern(p)
                    if patternMatches(pattern, s) {
                        if let b = item.body { result = try eval(b) }
                        break search
                    }
                }
            }
            status = result
        case .function(let name, let body, _):
            functions[name] = body
            status = 0
        case .empty:
            status = lastStatus
            return status
        }
        lastStatus = status
        return status
    }

    enum LoopOutcome { case breakOut, next }

    /// After a body set `skip`: whether this loop ends or goes on.
    func loopControl() -> LoopOutcome {
        switch skip {
        case .breakLoop:
            skipCount -= 1
            if skipCount <= 0 { skip = .none }
            return .breakOut
        case .continueLoop:
            skipCount -= 1
            if skipCount <= 0 { skip = .none; return .next }
            return .breakOut
        default:
            return .breakOut
        }
    }

    func checkErrexit(_ status: Int32) throws {
        if status != 0 && errexit && errexitSuppressed == 0 { throw ShellExit(status: status) }
    }

    // MARK: simple commands

    func evalSimple(_ cmd: SimpleCommand, inChild: Bool) throws -> Int32 {
        currentLine = cmd.line
        substitutionStatus = -1
        let argv = try expandWords(cmd.words)
        var assigns: [(String, String)] = []
        if argv.isEmpty {
            for a in cmd.assignments {
                let v = try expandString(a.value)
                assigns.append((a.name, v))
                try setVariable(a.name, v)
            }
        } else {
            for a in cmd.assignments { assigns.append((a.name, try expandString(a.value))) }
        }
        if xtrace { trace(assigns, argv) }
        if argv.isEmpty {
            let saved: [SavedFd]
            do { saved = try applyRedirections(cmd.redirections, save: true) } catch let f as ShellFailure {
                report(f.message); return 2
            }
            restoreRedirections(saved)
            // set again after the redirections only when they could have changed a variable
            if !cmd.redirections.isEmpty { for (k, v) in assigns { try setVariable(k, v) } }
            return substitutionStatus >= 0 ? substitutionStatus : 0
        }
        let name = argv[0]
        // the builtin table is static: remember the lookup for this command's name
        let bi: Int?
        if cmd.cachedName == name { bi = cmd.cachedBuiltin } else {
            bi = builtinIndex(name); cmd.cachedName = name; cmd.cachedBuiltin = bi
        }
        if let b = bi, builtins[b].special || functions.isEmpty || functions[name] == nil {
            let builtin = builtins[b]
            let saved: [SavedFd]
            let permanent = inChild || (name == "exec" && argv.count == 1)
            do { saved = try applyRedirections(cmd.redirections, save: !permanent) } catch let f as ShellFailure {
                if builtin.special && !interactive { throw f }
                report(f.message); return 2
            }
            defer { restoreRedirections(saved) }
            if builtin.special {
                for (k, v) in assigns { try setVariable(k, v) }
                return try runBuiltin(builtin, argv)
            }
            let restore = try pushTemporary(assigns)
            defer { popTemporary(restore) }
            return try runBuiltin(builtin, argv)
        }
        if !functions.isEmpty, let body = functions[name] {
            let saved: [SavedFd]
            do { saved = try applyRedirections(cmd.redirections, save: !inChild) } catch let f as ShellFailure {
                report(f.message); return 2
            }
            defer { restoreRedirections(saved) }
            let restore = try pushTemporary(assigns)
            defer { popTemporary(restore) }
            return try callFunction(body, argv)
        }
        // An applet or an external program: in a child.
        if inChild {
            do { _ = try applyRedirections(cmd.redirections, save: false) } catch let f as ShellFailure {
                report(f.message); return 2
            }
            return execute(argv, assigns)
        }
        let pid = try forkChild()
        if pid == 0 {
            // job control first: tcsetpgrp needs SIGTTOU still ignored
            if monitor && !isSubshell { jobControlChild(pgid: 0, foreground: true) }
            resetSignalsForChild()
            isSubshell = true
            do { _ = try applyRedirections(cmd.redirections, save: false) } catch let f as ShellFailure {
                report(f.message); exitChild(2)
            } catch { exitChild(2) }
            exitChild(execute(argv, assigns))
        }
        if monitor && !isSubshell { setpgid(pid, pid) }
        return waitForeground([pid], command: argv.joinedText(" "))
    }

    func trace(_ assigns: [(String, String)], _ argv: [String]) {
        var s = expandPromptless(value("PS4") ?? "+ ")
        var first = true
        for (k, v) in assigns { if !first { s += " " }; first = false; s += k + "=" + v }
        for a in argv { if !first { s += " " }; first = false; s += a }
        out.flush()
        err.write(s + "\n"); err.flush()
    }

    func expandPromptless(_ s: String) -> String { s }

    func traceQuote(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let safe = s.utf8.allSatisfy { isNameChar($0) || $0 == 47 || $0 == 46 || $0 == 45 || $0 == 44 || $0 == 58 || $0 == 43 || $0 == 61 || $0 == 37 || $0 == 64 }
        if safe { return s }
        return "'" + s.replacingAll("'", "'\\''") + "'"
    }

    /// Sets a command's assignments for the duration of a builtin or function.
    func pushTemporary(_ assigns: [(String, String)]) throws -> [(String, ShellVariable?)] {
        var saved: [(String, ShellVariable?)] = []
        for (k, v) in assigns {
            saved.append((k, variable(k)))
            try setVariable(k, v, export: true)
        }
        return saved
    }

    func popTemporary(_ saved: [(String, ShellVariable?)]) {
        for (k, v) in saved.reversed() { restoreVariable(k, v) }
    }

    func callFunction(_ body: Node, _ argv: [String]) throws -> Int32 {
        functionDepth += 1
        defer { functionDepth -= 1 }
        if functionDepth > maxFunctionDepth {
            throw ShellFailure(message: "Maximum function recursion depth (\(maxFunctionDepth)) reached")
        }
        let savedPositional = positional
        let savedLoopDepth = loopDepth
        loopDepth = 0
        defer { loopDepth = savedLoopDepth }
        positional = Array(argv.dropFirst())
        localFrames.append([])
        defer {
            positional = savedPositional
            for (k, v) in localFrames.removeLast().reversed() { restoreVariable(k, v) }
        }
        let status = try eval(body)
        if skip == .returnFunction { skip = .none; return lastStatus }
        return status
    }

    /// Runs an applet or execs a program; only ever called in a child.
    func execute(_ argv: [String], _ assigns: [(String, String)], errorPrefix: String = "") -> Int32 {
        let name = argv[0]
        if !name.utf8.contains(47), let i = applets.index(name) {
            syncEnvironment(assigns)
            out.flush(); err.flush()
            return applets.run(i, argv)
        }
        let env = environment(extra: assigns)
        if env == nil { cshim_set_environ(inheritedEnvironment) }
        var path = name
        if !name.utf8.contains(47) {
            guard let found = searchPath(name, path: assigns.last(where: { $0.0 == "PATH" })?.1) else {
                report(errorPrefix + "\(name): not found")
                return 127
            }
            path = found
        }
        let e = execProgram(path, argv, env)
        if e == ENOEXEC {
            // a script without #!: run it in this child as a shell script
            return runScriptInChild(path, Array(argv.dropFirst()))
        }
        if e == ENOENT || e == ENOTDIR { report(errorPrefix + "\(name): not found"); return 127 }
        report(errorPrefix + "\(name): \(Errno(e).description)")
        return 126
    }

    func runScriptInChild(_ path: String, _ args: [String]) -> Int32 {
        guard let fd = try? FileDescriptor.open(path, O_RDONLY) else { report("\(path): not found"); return 127 }
        functions = [:]; aliases = [:]; traps = [:]
        positional = args; arg0 = path; commandName = path
        let input = FdInput(moveHigh(fd))
        return runTop(Parser([], refill: { input.read() }))
    }

    /// Puts the exported variables in the process environment (for applets run without exec).
    func syncEnvironment(_ assigns: [(String, String)]) {
        guard let env = environment(extra: assigns) else {
            cshim_set_environ(inheritedEnvironment)   // unchanged: nothing to copy
            return
        }
        clearenv()
        for entry in env {
            if let eq = entry.utf8.firstIndex(of: 61) {
                setenv(String(entry[entry.startIndex..<eq]), String(entry[entry.index(after: eq)...]), 1)
            }
        }
    }

    func searchPath(_ name: String, path: String? = nil) -> String? {
        let path = path ?? value("PATH") ?? ""
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let full = dir.isEmpty ? name : (dir.hasSuffix("/") ? dir + name : dir + "/" + name)
            var st = stat()
            if stat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { return String(full) }
        }
        return nil
    }

    // MARK: pipelines and children

    func forkChild() throws -> Int32 {
        out.flush(); err.flush()
        let pid = fork()
        if pid < 0 { throw ShellFailure(message: "Cannot fork") }
        return pid
    }

    /// State changes on entering a subshell: traps not ignored are reset.
    func enterSubshell() {
        isSubshell = true
        for (sig, action) in traps where !action.isEmpty {
            traps[sig] = nil
            if sig > 0 && (interactive || !wasIgnoredOnEntry(sig)) { signal(sig, SIG_DFL) }
        }
        jobs = JobTable()
        if monitor { resetSignalsForChild() }
    }

    /// Evaluates `node` as the whole of a child: simple commands exec in place.
    func evalInChild(_ node: Node) -> Int32 {
        do {
            if case .simple(let c) = node {
                let s = try evalSimple(c, inChild: true)
                lastStatus = s
                return s
            }
            return try eval(node)
        } catch let e as ShellExit {
            return e.status
        } catch let f as ShellFailure {
            report(f.message)
            return f.status
        } catch {
            return 2
        }
    }

    func exitChild(_ status: Int32) -> Never {
        let s = finish(status)
        _exit(s)
    }

    func evalPipeline(_ stages: [Node]) throws -> Int32 {
        var pids: [Int32] = []
        var prevRead: Int32 = -1
        var pgid: Int32 = 0
        for (i, stage) in stages.enumerated() {
            var fds: [Int32] = [-1, -1]
            if i < stages.count - 1 {
                guard pipe(&fds) == 0 else { throw ShellFailure(message: "Pipe call failed") }
            }
            let pid = try forkChild()
            if pid == 0 {
                if monitor && !isSubshell { jobControlChild(pgid: pgid, foreground: true) }
                if prevRead >= 0 { dup2(prevRead, 0); close(prevRead) }
                if fds[1] >= 0 { dup2(fds[1], 1); close(fds[1]); close(fds[0]) }
                enterSubshell()
                resetSignalsForChild()
                exitChild(evalInChild(stage))
            }
            if monitor && !isSubshell { if pgid == 0 { pgid = pid }; setpgid(pid, pgid) }
            pids.append(pid)
            if prevRead >= 0 { close(prevRead) }
            if fds[1] >= 0 { close(fds[1]) }
            prevRead = fds[0]
        }
        return waitForeground(pids, command: "")
    }

    func runBackground(_ node: Node) throws {
        let pid = try forkChild()
        if pid == 0 {
            if monitor && !isSubshell { jobControlChild(pgid: 0, foreground: false) }
            else {
                let fd = open("/dev/null", O_RDONLY)
                if fd >= 0 && fd != 0 { dup2(fd, 0); close(fd) }
            }
            enterSubshell()
            if !monitor {
                // POSIX: asynchronous lists ignore SIGINT and SIGQUIT without
                // job control; as in dash, for good: a trap in the list
                // cannot take them back (as if ignored on entry).
                probeEntryDisposition(SIGINT); probeEntryDisposition(SIGQUIT)
                signal(SIGINT, SIG_IGN); signal(SIGQUIT, SIG_IGN)
                ignoredOnEntry |= 1 << UInt32(SIGINT) | 1 << UInt32(SIGQUIT)
            }
            exitChild(evalInChild(node))
        }
        if monitor && !isSubshell { setpgid(pid, pid) }
        lastBackgroundPid = pid
        let id = jobs.add(Job(pgid: pid, pids: [pid], command: describe(node)))
        if interactive && monitor { err.write("[\(id)] \(pid)\n"); err.flush() }
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .simple(let c):
            return c.words.map { w in w.parts.map { p -> String in
                switch p { case .literal(let s), .quoted(let s): return s; case .param(let pe, _): return "$" + pe.name; default: return "..." }
            }.joined() }.joinedText(" ")
        case .pipeline(let stages, _): return stages.map { describe($0) }.joinedText(" | ")
        default: return "..."
        }
    }

    // MARK: redirections

    struct SavedFd { let fd: Int32; let copy: Int32 }

    func applyRedirections(_ rs: [Redirection], save: Bool) throws -> [SavedFd] {
        var saved: [SavedFd] = []
        do {
            for r in rs { try applyRedirection(r, save: save, into: &saved) }
        } catch {
            restoreRedirections(saved)
            throw error
        }
        return saved
    }

    private func applyRedirection(_ r: Redirection, save: Bool, into saved: inout [SavedFd]) throws {
        let fd = r.fd
        var newFd: Int32 = -1
        var closeIt = false
        switch r.op {
        case .hereDoc:
            let text = try expandHereDoc(r)
            newFd = try hereDocFd(text)
        case .dupInput, .dupOutput:
            let t = try expandString(r.target)
            if t == "-" { closeIt = true }
            else if let n = Int32(t), n >= 0 {
                if n == fd { return }
                if fcntl(n, F_GETFD) < 0 { throw ShellFailure(message: "\(t): Bad file descriptor") }
                newFd = n
            } else { throw ShellFailure(message: "Syntax error: Bad fd number") }
        default:
            let t = try expandString(r.target)
            var flags: Int32
            switch r.op {
            case .input: flags = O_RDONLY
            case .output: flags = O_WRONLY | O_CREAT | O_TRUNC
            case .append: flags = O_WRONLY | O_CREAT | O_APPEND
            case .clobber: flags = O_WRONLY | O_CREAT | O_TRUNC
            default: flags = O_RDWR | O_CREAT
            }
            if r.op == .output && noclobber {
                var st = stat()
                if stat(t, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
                    throw ShellFailure(message: "cannot create \(t): File exists")
                }
            }
            let opened = open(t, flags | O_CLOEXEC, 0o666)
            if opened < 0 {
                let e = errno
                if r.op == .input { throw ShellFailure(message: "cannot open \(t): \(openMessage(Errno(e)))") }
                let reason = (e == ENOENT || e == ENOTDIR) ? "Directory nonexistent" : Errno(e).description
                throw ShellFailure(message: "cannot create \(t): \(reason)")
            }
            newFd = opened
        }
        if save {
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            if copy < 0 && errno != EBADF { if newFd >= 0 && newFd != fd { close(newFd) }; throw ShellFailure(message: "\(fd): \(Errno.current.description)") }
            saved.append(SavedFd(fd: fd, copy: copy))
        }
        if closeIt { close(fd); return }
        if newFd != fd {
            dup2(newFd, fd)
            if r.op != .dupInput && r.op != .dupOutput { close(newFd) }
        } else {
            // opened right on the target fd (it was closed): keep it open across exec
            _ = fcntl(fd, F_SETFD, 0)
        }
    }

    func restoreRedirections(_ saved: [SavedFd]) {
        if saved.isEmpty { return }
        out.flush(); err.flush()
        for s in saved.reversed() {
            if s.copy >= 0 { dup2(s.copy, s.fd); close(s.copy) } else { close(s.fd) }
        }
    }

    func expandHereDoc(_ r: Redirection) throws -> String {
        guard let body = r.hereBody else { return "" }
        if r.hereQuoted { if case .quoted(let s)? = body.parts.first { return s }; return "" }
        return try expandString(body)
    }

    /// A pipe holding `text` (a writer child for bodies larger than a pipe).
    func hereDocFd(_ text: String) throws -> Int32 {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ShellFailure(message: "Pipe call failed") }
        let bytes = Array(text.utf8)
        if bytes.count <= 60000 {
            bytes.withUnsafeBytes { b in _ = try? FileDescriptor(rawValue: fds[1]).writeAll(b) }
            close(fds[1])
            return fds[0]
        }
        let pid = try forkChild()
        if pid == 0 {
            close(fds[0])
            signal(SIGPIPE, SIG_DFL)
            bytes.withUnsafeBytes { b in _ = try? FileDescriptor(rawValue: fds[1]).writeAll(b) }
            _exit(0)
        }
        close(fds[1])
        return fds[0]
    }
}

/// execve(2) of `path` with `env` (nil: the process's environment as it
/// is); returns errno when it fails.
func execProgram(_ path: String, _ argv: [String], _ env: [String]?) -> Int32 {
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
    cArgs.append(nil)
    var cEnv: [UnsafeMutablePointer<CChar>?] = env?.map { strdup($0) } ?? []
    cEnv.append(nil)
    if env == nil { execve(path, cArgs, cshim_environ()) } else { execve(path, cArgs, cEnv) }
    let e = errno
    for p in cArgs { free(p) }
    for p in cEnv { free(p) }
    return e
}

func moveHigh(_ fd: FileDescriptor) -> FileDescriptor {
    let n = fcntl(fd.rawValue, F_DUPFD_CLOEXEC, 10)
    if n < 0 { return fd }
    fd.close()
    return FileDescriptor(rawValue: n)
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let r = rest.range(of: target) {
            result += rest[rest.startIndex..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
