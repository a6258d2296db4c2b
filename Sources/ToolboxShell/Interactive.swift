import ToolboxCore

// Interactive use on a terminal: the prompt (`user@host:/path# ` unless PS1
// is set), the line editor, history kept in $HOME/.toolbox_history where
// that is writable, Tab completion (commands, confined paths, /proc pids
// with their command names) and job control (each pipeline its own process
// group, the terminal given to the foreground job).

let historyLimit = 1000

extension Shell {
    func runInteractive() -> Int32 {
        // job control: our own process group owning the terminal
        let me = getpid()
        if getpgrp() != me { setpgid(0, 0) }
        _ = tcsetpgrp(0, me)
        probeEntryDispositions()
        for s in [SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGTERM] {
            signal(s, SIG_IGN); changedDispositions |= 1 << UInt32(s)
        }
        let editor = LineEditor()
        loadHistory()
        editor.history = history
        editor.complete = { [unowned self] line, cursor in self.completions(line, cursor) }
        var status: Int32 = 0
        while true {
            notifyJobs()
            var first = true
            var sawEOF = false
            let parser = Parser([], refill: { [unowned self] in
                let p = first ? self.primaryPrompt() : (self.value("PS2") ?? "> ")
                first = false
                self.out.flush(); self.err.flush()
                switch editor.readLine(prompt: p) {
                case .line(let l):
                    if !l.isEmpty && editor.history.last != l {
                        editor.history.append(l)
                        if editor.history.count > historyLimit { editor.history.removeFirst() }
                        self.history = editor.history
                    }
                    return Array((l + "\n").utf8)
                case .interrupted:
                    self.lastStatus = 130
                    return Array("\n".utf8)
                case .eof:
                    sawEOF = true
                    return nil
                }
            })
            parser.aliasLookup = { [unowned self] in self.aliases[$0] }
            do {
                let node: Node?
                do { node = try parser.nextCommand() } catch let e as ShellSyntaxError {
                    currentLine = e.line
                    report(e.message)
                    lastStatus = 2
                    continue
                }
                guard let node else {
                    if sawEOF { break }
                    continue
                }
                do { _ = try eval(node) } catch let f as ShellFailure {
                    report(f.message); lastStatus = f.status
                }
                skip = .none
                runPendingTraps()
            } catch let e as ShellExit {
                status = e.status
                return finish(status)
            } catch {}
        }
        return finish(lastStatus)
    }

    /// PS1 with parameters expanded; without PS1, `user@host:/path# `.
    func primaryPrompt() -> String {
        if let ps1 = value("PS1") {
            let p = Parser(Array(ps1.utf8))
            if let w = try? p.readWord(mode: .hereDoc), let s = try? expandString(w) { return s }
            return ps1
        }
        let uid = getuid()
        var user = String(uid)
        if let names = IDNames.load("/etc/passwd"), let n = names.name(uid) { user = n }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(user)@\(hostName):\(pwd)\(uid == 0 ? "#" : "$") "
    }

    func notifyJobs() {
        reapJobs()
        for j in jobs.jobs where j.done {
            err.write("[\(j.id)]+  Done" + (j.status == 0 ? "" : "(\(j.status))") + "                    \(j.command)\n")
        }
        err.flush()
        jobs.jobs.removeAll { $0.done }
    }

    // MARK: history

    var historyPath: String? { value("HOME").map { ($0.hasSuffix("/") ? $0 : $0 + "/") + ".toolbox_history" } }

    func loadHistory() {
        guard let path = historyPath, let bytes = try? readWholeFile(path) else { return }
        let lines = String(decoding: bytes.suffix(1 << 20), as: UTF8.self).split(separator: "\n").map(String.init)
        history = Array(lines.suffix(historyLimit))
    }

    /// Appends this session's history; silently skipped where $HOME is not writable.
    func saveHistory() {
        guard interactive, !isSubshell, !history.isEmpty, let path = historyPath else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = history.suffix(historyLimit).joinedText("\n") + "\n"
        Array(text.utf8).withUnsafeBytes { b in _ = try? FileDescriptor(rawValue: fd).writeAll(b) }
    }

    // MARK: completion

    /// The word before the cursor and what it could become.
    func completions(_ line: [UInt8], _ cursor: Int) -> (start: Int, candidates: [String], display: [String]) {
        var start = cursor
        while start > 0 && !(line[start - 1] == 32 || line[start - 1] == 9) { start -= 1 }
        let word = String(decoding: line[start..<cursor], as: UTF8.self)
        // command position: only blanks or an operator before the word
        var k = start
        while k > 0 && (line[k - 1] == 32 || line[k - 1] == 9) { k -= 1 }
        let commandPosition = k == 0 || [59, 38, 124, 40, 96].contains(line[k - 1])
        if commandPosition && !word.utf8.contains(47) {
            var names = Set<String>()
            for b in builtins where b.name.hasPrefix(word) { names.insert(b.name) }
            for a in applets.names where a.hasPrefix(word) { names.insert(a) }
            for f in functions.keys where f.hasPrefix(word) { names.insert(f) }
            for a in aliases.keys where a.hasPrefix(word) { names.insert(a) }
            for dir in (value("PATH") ?? "").split(separator: ":") where names.count < 2000 {
                for entry in listDirectory(String(dir), limit: 4096) where entry.hasPrefix(word) && !entry.hasPrefix(".") {
                    names.insert(entry)
                }
            }
            let sorted = names.sorted()
            return (start, sorted, sorted)
        }
        // a path: the directory part and the prefix of the last component
        let u = Array(word.utf8)
        var dirPart = ""
        var prefix = word
        if let slash = u.lastIndex(of: 47) {
            dirPart = String(decoding: u[...slash], as: UTF8.self)
            prefix = String(decoding: u[(slash + 1)...], as: UTF8.self)
        }
        let dirForListing = dirPart.isEmpty ? pwd : (dirPart.hasPrefix("/") ? dirPart : (pwd == "/" ? "/" : pwd + "/") + dirPart)
        let entries = listDirectory(dirForListing, limit: 65536, withTypes: true)
        var candidates: [String] = []
        var display: [String] = []
        let isProc = logicalClean(dirForListing) == "/proc"
        for e in entries.sorted() {
            var name = e
            let isDir = name.hasSuffix("/")
            if isDir { name.removeLast() }
            guard name.hasPrefix(prefix), prefix.hasPrefix(".") || !name.hasPrefix(".") else { continue }
            candidates.append(dirPart + name + (isDir ? "/" : ""))
            if isProc, let pid = Int32(name) {
                // /proc/<TAB>: pids with their command names
                let comm = (try? readWholeFile("/proc/\(pid)/comm")).map { String(decoding: $0, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "" } ?? ""
                display.append("\(name) (\(comm))")
            } else {
                display.append(name + (isDir ? "/" : ""))
            }
        }
        return (start, candidates, display)
    }

    /// Entry names of a directory (confined under /proc/PID/root); directories end in `/` with `withTypes`.
    func listDirectory(_ path: String, limit: Int, withTypes: Bool = false) -> [String] {
        let fd: FileDescriptor
        do {
            if let split = splitContainerPath(path) {
                let r = try FileDescriptor.open(split.root, O_PATH | O_DIRECTORY)
                defer { r.close() }
                fd = try openInRoot(r, logicalClean(split.inner), flags: O_RDONLY | O_DIRECTORY)
            } else {
                fd = try FileDescriptor.open(logicalClean(path), O_RDONLY | O_DIRECTORY)
            }
        } catch { return [] }
        defer { fd.close() }
        var names: [String] = []
        let reader = DirectoryReader()
        try? reader.forEach(fd) { name, _, type, _ in
            if names.count >= limit { return false }
            var n = String(decoding: name, as: UTF8.self)
            if withTypes {
                var isDir = type == DirentType.directory
                if type == DirentType.unknown || type == DirentType.symlink {
                    var st = stat()
                    if fstatat(fd.rawValue, n, &st, 0) == 0 { isDir = (st.st_mode & S_IFMT) == S_IFDIR }
                }
                if isDir { n += "/" }
            }
            names.append(n)
            return true
        }
        return names
    }
}
