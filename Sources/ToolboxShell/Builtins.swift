import ToolboxCore

// Built-in commands (dash's builtins.def): one sorted table; `special`
// marks POSIX special built-ins (errors are fatal, assignments persist).

struct Builtin: Sendable {
    let name: String
    let special: Bool
    let run: @Sendable (Shell, [String]) throws -> Int32
}

let builtins: [Builtin] = [
    Builtin(name: ".", special: true, run: { try $0.dot($1) }),
    Builtin(name: ":", special: true, run: { _, _ in 0 }),
    Builtin(name: "[", special: false, run: { s, a in s.testBuiltin(a, bracket: true) }),
    Builtin(name: "alias", special: false, run: { try $0.alias($1) }),
    Builtin(name: "bg", special: false, run: { try $0.fgbg($1, foreground: false) }),
    Builtin(name: "break", special: true, run: { try $0.loopJump($1, .breakLoop) }),
    Builtin(name: "cd", special: false, run: { try $0.cd($1) }),
    Builtin(name: "command", special: false, run: { try $0.command($1) }),
    Builtin(name: "continue", special: true, run: { try $0.loopJump($1, .continueLoop) }),
    Builtin(name: "echo", special: false, run: { s, a in echoCommand(Array(a.dropFirst()), out: s.out, dialect: .dash) }),
    Builtin(name: "eval", special: true, run: { s, a in
        if a.count < 2 { return 0 }
        try s.evalString(a.dropFirst().joinedText(" "))
        return s.lastStatus }),
    Builtin(name: "exec", special: true, run: { try $0.exec($1) }),
    Builtin(name: "exit", special: true, run: { try $0.exitBuiltin($1) }),
    Builtin(name: "export", special: true, run: { try $0.export($1, readonly: false) }),
    Builtin(name: "false", special: false, run: { _, _ in 1 }),
    Builtin(name: "fg", special: false, run: { try $0.fgbg($1, foreground: true) }),
    Builtin(name: "getopts", special: false, run: { try $0.getopts($1) }),
    Builtin(name: "hash", special: false, run: { _, _ in 0 }),
    Builtin(name: "help", special: false, run: { s, _ in s.help() }),
    Builtin(name: "history", special: false, run: { s, _ in s.historyBuiltin() }),
    Builtin(name: "jobs", special: false, run: { s, a in s.jobsBuiltin(a) }),
    Builtin(name: "kill", special: false, run: { try $0.killBuiltin($1) }),
    Builtin(name: "local", special: false, run: { try $0.local($1) }),
    Builtin(name: "printf", special: false, run: { s, a in
        printfCommand(Array(a.dropFirst()), out: s.out, warn: { s.report("printf: " + $0) }, dialect: .dash) }),
    Builtin(name: "pwd", special: false, run: { try $0.pwdBuiltin($1) }),
    Builtin(name: "read", special: false, run: { try $0.read($1) }),
    Builtin(name: "readonly", special: true, run: { try $0.export($1, readonly: true) }),
    Builtin(name: "return", special: true, run: { try $0.returnBuiltin($1) }),
    Builtin(name: "set", special: true, run: { try $0.set($1) }),
    Builtin(name: "shift", special: true, run: { try $0.shift($1) }),
    Builtin(name: "source", special: true, run: { try $0.dot($1) }),
    Builtin(name: "test", special: false, run: { s, a in s.testBuiltin(a, bracket: false) }),
    Builtin(name: "times", special: true, run: { s, _ in s.times() }),
    Builtin(name: "trap", special: true, run: { try $0.trap($1) }),
    Builtin(name: "true", special: false, run: { _, _ in 0 }),
    Builtin(name: "type", special: false, run: { s, a in s.type(a) }),
    Builtin(name: "ulimit", special: false, run: { s, _ in s.out.write("unlimited\n"); return 0 }),
    Builtin(name: "umask", special: false, run: { try $0.umaskBuiltin($1) }),
    Builtin(name: "unalias", special: false, run: { try $0.unalias($1) }),
    Builtin(name: "unset", special: true, run: { try $0.unset($1) }),
    Builtin(name: "wait", special: false, run: { try $0.wait($1) }),
]

func builtinIndex(_ name: String) -> Int? {
    var lo = 0, hi = builtins.count - 1
    while lo <= hi {
        let mid = (lo + hi) / 2
        let n = builtins[mid].name
        if n == name { return mid }
        if n < name { lo = mid + 1 } else { hi = mid - 1 }
    }
    return nil
}

extension Shell {
    func runBuiltin(_ b: Builtin, _ argv: [String]) throws -> Int32 {
        do {
            let status = try b.run(self, argv)
            out.flush()
            if out.failure != nil || out.isBroken {
                // a write error (EBADF, ENOSPC, EPIPE with SIGPIPE ignored):
                // dash says "NAME: NAME: I/O error"
                out = OutputWriter(.fd(.standardOutput), capacity: 8192)
                report("\(argv[0]): \(argv[0]): I/O error")
                return 1
            }
            return status
        } catch let f as ShellFailure {
            out.flush()
            if b.special { throw f }
            report(f.message)
            return f.status
        }
    }

    func testBuiltin(_ a: [String], bracket: Bool) -> Int32 {
        testCommand(a.dropFirst(), bracket: bracket, warn: { self.report(a[0] + ": " + $0) }, dialect: .dash)
    }

    // MARK: control

    func loopJump(_ a: [String], _ kind: Skip) throws -> Int32 {
        var n = 1
        if a.count > 1 {
            guard let v = Int(a[1]), v > 0 else { throw ShellFailure(message: "\(a[0]): Illegal number: \(a[1])") }
            n = v
        }
        if loopDepth == 0 { return 0 }
        skip = kind
        skipCount = min(n, loopDepth)
        return 0
    }

    func returnBuiltin(_ a: [String]) throws -> Int32 {
        var status = lastStatus
        if a.count > 1 {
            guard let v = Int32(a[1]), v >= 0 else { throw ShellFailure(message: "return: Illegal number: \(a[1])") }
            status = v & 255
        }
        if functionDepth > 0 || evalDepth > 0 { skip = .returnFunction }
        else { throw ShellExit(status: status) }   // dash: return at top level ends the script
        lastStatus = status
        return status
    }

    func exitBuiltin(_ a: [String]) throws -> Int32 {
        var status = lastStatus
        if a.count > 1 {
            guard let v = Int(a[1]), v >= 0 else { throw ShellFailure(message: "exit: Illegal number: \(a[1])") }
            status = Int32(truncatingIfNeeded: v & 255)
        }
        throw ShellExit(status: status)
    }

    func dot(_ a: [String]) throws -> Int32 {
        guard a.count > 1 else { return 0 }
        var path = a[1]
        if !path.utf8.contains(47) { path = searchPath(path) ?? path }
        guard let bytes = try? readWholeFile(path) else {
            throw ShellFailure(message: "\(a[0]): cannot open \(a[1]): No such file")
        }
        // dash ignores arguments after the file name
        return try runParsed(Parser(bytes), stopAtReturn: true)
    }

    func exec(_ a: [String]) throws -> Int32 {
        guard a.count > 1 else { return 0 }   // redirections were applied permanently by the caller
        let argv = Array(a.dropFirst())
        out.flush(); err.flush()
        resetSignalsForChild()
        let status = execute(argv, [], errorPrefix: "exec: ")
        throw ShellExit(status: status)
    }

    // MARK: variables

    func export(_ a: [String], readonly: Bool) throws -> Int32 {
        var args = Array(a.dropFirst())
        if args.first == "-p" { args.removeFirst() }
        if args.isEmpty {
            importEnvironment()
            for name in vars.keys.sorted() {
                let v = vars[name]!
                if readonly ? v.readonly : v.exported {
                    out.write((readonly ? "readonly " : "export ") + name + (v.value.map { "=" + singleQuote($0) } ?? "") + "\n")
                }
            }
            return 0
        }
        for arg in args {
            var name = arg
            var value: String? = nil
            if let eq = arg.utf8.firstIndex(of: 61) {
                name = String(arg[arg.startIndex..<eq]); value = String(arg[arg.index(after: eq)...])
            }
            guard isValidName(name) else { throw ShellFailure(message: "\(a[0]): \(name): bad variable name") }
            if let value { try setVariable(name, value) }
            var v = variable(name) ?? ShellVariable(value: nil)
            if readonly { v.readonly = true } else { v.exported = true }
            vars[name] = v
            environmentChanged = true
        }
        return 0
    }

    func unset(_ a: [String]) throws -> Int32 {
        var functionsOnly = false
        var args = Array(a.dropFirst())
        while let f = args.first, f.hasPrefix("-") {
            if f == "-f" { functionsOnly = true } else if f != "-v" { break }
            args.removeFirst()
        }
        for name in args {
            if functionsOnly { functions[name] = nil; continue }
            if let v = variable(name), v.readonly { throw ShellFailure(message: "unset: \(name): is read only") }
            removeVariable(name)
        }
        return 0
    }

    func local(_ a: [String]) throws -> Int32 {
        guard functionDepth > 0, !localFrames.isEmpty else { throw ShellFailure(message: "local: not in a function") }
        for arg in a.dropFirst() {
            var name = arg
            var value: String? = nil
            if let eq = arg.utf8.firstIndex(of: 61) {
                name = String(arg[arg.startIndex..<eq]); value = String(arg[arg.index(after: eq)...])
            }
            localFrames[localFrames.count - 1].append((name, variable(name)))
            if let value { try setVariable(name, value) }
        }
        return 0
    }

    func shift(_ a: [String]) throws -> Int32 {
        var n = 1
        if a.count > 1 {
            guard let v = Int(a[1]), v >= 0 else { throw ShellFailure(message: "shift: Illegal number: \(a[1])") }
            n = v
        }
        if n > positional.count { throw ShellFailure(message: "shift: can't shift that many") }
        positional.removeFirst(n)
        return 0
    }

    func set(_ a: [String]) throws -> Int32 {
        var args = Array(a.dropFirst())
        if args.isEmpty {
            importEnvironment()
            for name in vars.keys.sorted() {
                if let v = vars[name]?.value { out.write(name + "=" + singleQuote(v) + "\n") }
            }
            return 0
        }
        while let f = args.first {
            if f == "--" { args.removeFirst(); positional = args; return 0 }
            if f == "-" { args.removeFirst(); xtrace = false; verbose = false; break }
            guard let c = f.utf8.first, c == 45 || c == 43, f.utf8.count > 1 else { break }
            args.removeFirst()
            let on = c == 45
            for l in f.utf8.dropFirst() {
                if l == UInt8(ascii: "o") {
                    if args.isEmpty || args[0].hasPrefix("-") || args[0].hasPrefix("+") {
                        for (name, letter) in Shell.longOptions {
                            if on { out.write(name + String(repeating: " ", count: max(1, 16 - name.count)) + (optionIsSet(letter) ? "on" : "off") + "\n") }
                            else { out.write("set \(optionIsSet(letter) ? "-" : "+")o \(name)\n") }
                        }
                        continue
                    }
                    let name = args.removeFirst()
                    if !setLongOption(name, on) { throw ShellFailure(message: "set: Illegal option -o \(name)") }
                    continue
                }
                if !setOptionLetter(l, on) { throw ShellFailure(message: "set: Illegal option \(on ? "-" : "+")\(String(UnicodeScalar(l)))") }
            }
        }
        if !args.isEmpty || a.last == "--" { positional = args }
        return 0
    }

    func read(_ a: [String]) throws -> Int32 {
        var raw = false
        var prompt: String? = nil
        var names: [String] = []
        var i = 1
        while i < a.count {
            let arg = a[i]
            if arg == "-r" { raw = true; i += 1; continue }
            if arg == "-p" { prompt = i + 1 < a.count ? a[i + 1] : ""; i += 2; continue }
            if arg == "--" { i += 1; break }
            if arg.hasPrefix("-") && arg.count > 1 {
                if arg.dropFirst().allSatisfy({ $0 == "r" }) { raw = true; i += 1; continue }
                throw ShellFailure(message: "read: Illegal option \(arg)")
            }
            break
        }
        names = Array(a[i...])
        if names.isEmpty { throw ShellFailure(message: "read: arg count") }
        if let prompt, Terminal.isTerminal(0) { err.write(prompt); err.flush() }
        // read one line, byte by byte (what follows stays for the next reader)
        var line: [UInt8] = []
        var quotedMask: [Bool] = []
        var eof = false
        var b: UInt8 = 0
        while true {
            let n = Glibc.read(0, &b, 1)
            if n < 0 && errno == EINTR { if pendingSignalCount.pointee != 0 { return 128 + lastPendingSignal() }; continue }
            if n <= 0 { eof = true; break }
            if b == 10 { break }
            if b == 92 && !raw {
                let m = Glibc.read(0, &b, 1)
                if m <= 0 { eof = true; break }
                if b == 10 { continue }
                line.append(b); quotedMask.append(true); continue
            }
            line.append(b); quotedMask.append(false)
        }
        let ifsBytes = Array(ifs.utf8)
        func isIfs(_ k: Int) -> Bool { !quotedMask[k] && ifsBytes.contains(line[k]) }
        func isWhite(_ k: Int) -> Bool { isIfs(k) && (line[k] == 32 || line[k] == 9 || line[k] == 10) }
        var p = 0
        while p < line.count && isWhite(p) { p += 1 }
        for (n, name) in names.enumerated() {
            if n == names.count - 1 {
                // the rest, without trailing IFS whitespace
                var end = line.count
                while end > p && isWhite(end - 1) { end -= 1 }
                // a single trailing non-white delimiter is removed too when it ends the line
                try setVariable(name, String(decoding: line[p..<end], as: UTF8.self))
                p = end
                break
            }
            let start = p
            while p < line.count && !isIfs(p) { p += 1 }
            try setVariable(name, String(decoding: line[start..<p], as: UTF8.self))
            // skip whitespace, one non-white delimiter, whitespace
            while p < line.count && isWhite(p) { p += 1 }
            if p < line.count && isIfs(p) && !isWhite(p) { p += 1; while p < line.count && isWhite(p) { p += 1 } }
        }
        return eof ? 1 : 0
    }

    func getopts(_ a: [String]) throws -> Int32 {
        guard a.count >= 3 else { throw ShellFailure(message: "getopts: usage: getopts optstring var [arg]") }
        let optstring = Array(a[1].utf8)
        let name = a[2]
        let args = a.count > 3 ? Array(a[3...]) : positional
        let silent = optstring.first == 58
        var optind = Int(value("OPTIND") ?? "1") ?? 1
        if optind < 1 { optind = 1 }
        // position inside a cluster, kept privately as dash does
        if optind != getoptsLastOptind { getoptsOffset = 0 }
        func done() throws -> Int32 {
            try setVariable(name, "?")
            removeVariable("OPTARG")
            getoptsOffset = 0
            getoptsLastOptind = optind
            try setVariable("OPTIND", String(optind))
            return 1
        }
        if optind > args.count { return try done() }
        let cur = Array(args[optind - 1].utf8)
        if getoptsOffset == 0 {
            if cur.count < 2 || cur[0] != 45 { return try done() }
            if cur == [45, 45] { optind += 1; return try done() }
            getoptsOffset = 1
        }
        let c = cur[getoptsOffset]
        getoptsOffset += 1
        var advance = getoptsOffset >= cur.count
        let letter = String(UnicodeScalar(c))
        if let k = optstring.firstIndex(of: c), c != 58 {
            if k + 1 < optstring.count && optstring[k + 1] == 58 {
                if !advance {
                    try setVariable("OPTARG", String(decoding: cur[getoptsOffset...], as: UTF8.self))
                    advance = true
                } else if optind < args.count {
                    try setVariable("OPTARG", args[optind]); optind += 1
                } else {
                    optind += 1
                    getoptsOffset = 0
                    getoptsLastOptind = optind
                    try setVariable("OPTIND", String(optind))
                    if silent { try setVariable(name, ":"); try setVariable("OPTARG", letter) }
                    else { err.write("No arg for -\(letter) option\n"); err.flush(); try setVariable(name, "?"); removeVariable("OPTARG") }
                    return 0
                }
            } else { removeVariable("OPTARG") }
            try setVariable(name, letter)
        } else {
            if silent { try setVariable("OPTARG", letter) } else { err.write("Illegal option -\(letter)\n"); err.flush(); removeVariable("OPTARG") }
            try setVariable(name, "?")
        }
        if advance { optind += 1; getoptsOffset = 0 }
        getoptsLastOptind = optind
        try setVariable("OPTIND", String(optind))
        return 0
    }

    // MARK: aliases, types

    func alias(_ a: [String]) throws -> Int32 {
        if a.count == 1 {
            for k in aliases.keys.sorted() { out.write(k + "=" + singleQuote(aliases[k]!) + "\n") }
            return 0
        }
        var status: Int32 = 0
        for arg in a.dropFirst() {
            if let eq = arg.utf8.firstIndex(of: 61) {
                aliases[String(arg[arg.startIndex..<eq])] = String(arg[arg.index(after: eq)...])
            } else if let v = aliases[arg] {
                out.write(arg + "=" + singleQuote(v) + "\n")
            } else {
                out.flush(); err.write("alias: \(arg) not found\n"); err.flush(); status = 1
            }
        }
        return status
    }

    func unalias(_ a: [String]) throws -> Int32 {
        if a.count > 1 && a[1] == "-a" { aliases = [:]; return 0 }
        var status: Int32 = 0
        for arg in a.dropFirst() {
            if aliases.removeValue(forKey: arg) == nil { out.flush(); err.write("unalias: \(arg) not found\n"); err.flush(); status = 1 }
        }
        return status
    }

    /// What a name is: for `type` and `command -v/-V`.
    func describeCommand(_ name: String, verbose: Bool) -> String? {
        if let a = aliases[name] { return verbose ? "\(name) is an alias for \(a)" : "alias \(name)=\(shellQuote(a))" }
        if isKeyword(name) { return verbose ? "\(name) is a shell keyword" : name }
        if functions[name] != nil { return verbose ? "\(name) is a shell function" : name }
        if let b = builtinIndex(name) {
            return verbose ? "\(name) is a \(builtins[b].special ? "special " : "")shell builtin" : name
        }
        if !name.utf8.contains(47), applets.index(name) != nil {
            return verbose ? "\(name) is a toolbox applet" : name
        }
        if name.utf8.contains(47) {
            return access(name, X_OK) == 0 ? (verbose ? "\(name) is \(name)" : name) : nil
        }
        if let p = searchPath(name) { return verbose ? "\(name) is \(p)" : p }
        return nil
    }

    func type(_ a: [String]) -> Int32 {
        var status: Int32 = 0
        for name in a.dropFirst() {
            if let d = describeCommand(name, verbose: true) { out.write(d + "\n") }
            else { out.write("\(name): not found\n"); status = 127 }
        }
        return status
    }

    func command(_ a: [String]) throws -> Int32 {
        var i = 1
        var mode: Character? = nil
        while i < a.count, a[i].hasPrefix("-"), a[i] != "-" {
            if a[i] == "--" { i += 1; break }
            for c in a[i].dropFirst() {
                if c == "v" || c == "V" { mode = c } else if c != "p" { throw ShellFailure(message: "command: Illegal option -\(c)") }
            }
            i += 1
        }
        guard i < a.count else { return 0 }
        if let m = mode {
            var status: Int32 = 0
            for name in a[i...] {
                if let d = describeCommand(name, verbose: m == "V") { out.write(d + "\n") }
                else { if m == "V" { out.write("\(name): not found\n") }; status = 127 }
            }
            return status
        }
        // run it, skipping functions
        let argv = Array(a[i...])
        if let b = builtinIndex(argv[0]) { return try runBuiltin(builtins[b], argv) }
        let pid = try forkChild()
        if pid == 0 {
            resetSignalsForChild()
            isSubshell = true
            exitChild(execute(argv, []))
        }
        return waitForeground([pid], command: argv.joinedText(" "))
    }

    // MARK: directories

    func cd(_ a: [String]) throws -> Int32 {
        var args = Array(a.dropFirst())
        var physical = false
        while let f = args.first, f.hasPrefix("-"), f.count > 1 {
            if f == "-L" { physical = false } else if f == "-P" { physical = true } else if f == "--" { args.removeFirst(); break } else { break }
            args.removeFirst()
        }
        var target: String
        var printIt = false
        if let t = args.first {
            if t == "-" {
                guard let o = value("OLDPWD") else { throw ShellFailure(message: "cd: OLDPWD not set") }
                target = o; printIt = true
            } else { target = t }
        } else {
            guard let h = value("HOME"), !h.isEmpty else { return 0 }
            target = h
        }
        let logical = target.hasPrefix("/") ? target : (pwd == "/" ? "/" : pwd + "/") + target
        let newPwd: String
        do {
            newPwd = try changeDirectory(logical, physical: physical)
        } catch {
            throw ShellFailure(message: "cd: can't cd to \(target)")
        }
        try? setVariable("OLDPWD", pwd)
        pwd = newPwd
        try? setVariable("PWD", newPwd, export: true)
        if printIt { out.write(newPwd + "\n") }
        return 0
    }

    func pwdBuiltin(_ a: [String]) throws -> Int32 {
        if a.count > 1 && a[1] == "-P" { out.write((currentDirectory() ?? pwd) + "\n"); return 0 }
        out.write(pwd + "\n")
        return 0
    }

    func umaskBuiltin(_ a: [String]) throws -> Int32 {
        let current = umask(0)
        umask(current)
        var args = Array(a.dropFirst())
        var symbolic = false
        if args.first == "-S" { symbolic = true; args.removeFirst() }
        guard let m = args.first else {
            if symbolic {
                let allowed = ~current & 0o777
                func part(_ shift: mode_t) -> String {
                    var s = ""
                    if allowed & (0o4 << shift) != 0 { s += "r" }
                    if allowed & (0o2 << shift) != 0 { s += "w" }
                    if allowed & (0o1 << shift) != 0 { s += "x" }
                    return s
                }
                out.write("u=\(part(6)),g=\(part(3)),o=\(part(0))\n")
            } else {
                out.write(cFormatted("%04llo\n", UInt64(current)))
            }
            return 0
        }
        guard let v = mode_t(m, radix: 8), v <= 0o777 else { throw ShellFailure(message: "umask: Illegal number: \(m)") }
        umask(v)
        return 0
    }

    // MARK: jobs, signals

    func wait(_ a: [String]) throws -> Int32 {
        out.flush()
        if a.count == 1 {
            var status: Int32 = 0
            var i = 0
            while i < jobs.jobs.count {
                status = waitJob(i)
                if status > 128 && pendingSignalCount.pointee != 0 { return status }
                i += 1
            }
            jobs.jobs.removeAll { $0.done }
            return 0
        }
        var status: Int32 = 127
        for spec in a.dropFirst() {
            if let i = jobs.index(spec: spec) {
                status = waitJob(i)
                jobs.jobs.remove(at: i)
            } else if let p = Int32(spec) {
                var st: Int32 = 0
                let r = waitpid(p, &st, 0)
                status = r == p ? decodeWaitStatus(st).status : 127
            } else {
                throw ShellFailure(message: "wait: Illegal number: \(spec)")
            }
        }
        return status
    }

    func jobsBuiltin(_ a: [String]) -> Int32 {
        reapJobs()
        let pidsOnly = a.contains("-p")
        for (k, j) in jobs.jobs.enumerated() {
            let mark = k == jobs.jobs.count - 1 ? "+" : (k == jobs.jobs.count - 2 ? "-" : " ")
            if pidsOnly { out.write("\(j.pgid)\n"); continue }
            let state = j.done ? (j.status == 0 ? "Done" : "Done(\(j.status))") : (j.stopped ? "Stopped" : "Running")
            out.write("[\(j.id)]\(mark)  \(state)" + String(repeating: " ", count: max(1, 24 - state.count)) + j.command + "\n")
        }
        jobs.jobs.removeAll { $0.done }
        return 0
    }

    func fgbg(_ a: [String], foreground: Bool) throws -> Int32 {
        reapJobs()
        let spec = a.count > 1 ? a[1] : "%%"
        guard let i = jobs.index(spec: spec) else { throw ShellFailure(message: "\(a[0]): No current job") }
        return continueJob(i, foreground: foreground)
    }

    func killBuiltin(_ a: [String]) throws -> Int32 {
        var sig = SIGTERM
        var args = Array(a.dropFirst())
        guard let first = args.first else { throw ShellFailure(message: "kill: Usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]") }
        if first == "-l" || first == "-L" {
            if args.count > 1 {
                for s in args.dropFirst() {
                    guard var n = Int32(s) else {
                        guard let k = signalNumber(s) else { throw ShellFailure(message: "kill: invalid signal number or exit status: \(s)") }
                        out.write("\(k)\n"); continue
                    }
                    if n > 128 { n -= 128 }
                    guard n > 0 && Int(n) < signalNames.count else { throw ShellFailure(message: "kill: invalid signal number or exit status: \(s)") }
                    out.write(signalNames[Int(n)] + "\n")
                }
            } else {
                for n in 1..<signalNames.count { out.write(signalNames[n] + "\n") }
            }
            return 0
        }
        if first == "-s" {
            guard args.count > 1, let n = signalNumber(args[1]) else { throw ShellFailure(message: "kill: invalid signal number or name: \(args.count > 1 ? args[1] : "")") }
            sig = n; args.removeFirst(2)
        } else if first.hasPrefix("-") && first != "--" && first.count > 1 {
            guard let n = signalNumber(String(first.dropFirst())) else { throw ShellFailure(message: "kill: invalid signal number or name: \(first.dropFirst())") }
            sig = n; args.removeFirst()
        }
        if args.first == "--" { args.removeFirst() }
        var status: Int32 = 0
        for t in args {
            var pid: Int32
            if t.hasPrefix("%") {
                guard let i = jobs.index(spec: t) else { throw ShellFailure(message: "kill: No such job: \(t)") }
                pid = -jobs.jobs[i].pgid
                if !monitor { pid = jobs.jobs[i].pids[0] }
            } else {
                guard let p = Int32(t) else { throw ShellFailure(message: "kill: Illegal number: \(t)") }
                pid = p
            }
            if kill(pid, sig) != 0 { report("kill: \(Errno.current.description)"); status = 1 }
        }
        return status
    }

    func trap(_ a: [String]) throws -> Int32 {
        var args = Array(a.dropFirst())
        if args.first == "--" { args.removeFirst() }
        if args.isEmpty {
            for sig in traps.keys.sorted() {
                out.write("trap -- \(singleQuote(traps[sig]!)) \(signalNames.indices.contains(Int(sig)) ? signalNames[Int(sig)] : String(sig))\n")
            }
            return 0
        }
        if args.first == "-l" {
            for n in 0..<signalNames.count { out.write("\(n)) \(signalNames[n])\n") }
            return 0
        }
        // `trap N...` with a number first resets those signals
        var action: String? = args.removeFirst()
        if action == "-" { action = nil }
        else if let f = action, args.isEmpty || (Int32(f) != nil && signalNumber(f) != nil) {
            args.insert(f, at: 0); action = nil
        }
        var status: Int32 = 0
        for s in args {
            guard !s.uppercased().hasPrefix("SIG"), let n = signalNumber(s) else {
                out.flush(); err.write("trap: \(s): bad trap\n"); err.flush(); status = 1; continue
            }
            if n == SIGKILL || n == SIGSTOP { continue }
            setTrap(n, action)
        }
        return status
    }

    func times() -> Int32 {
        var t = tms()
        _ = Glibc.times(&t)
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        func f(_ v: clock_t) -> String {
            let s = Double(v) / hz
            let m = Int(s / 60)
            return cFormatted("%dm", Int32(m)) + cFormatted("%.6fs", s - Double(m * 60))
        }
        out.write("\(f(t.tms_utime)) \(f(t.tms_stime))\n\(f(t.tms_cutime)) \(f(t.tms_cstime))\n")
        return 0
    }

    func help() -> Int32 {
        out.write("Built-in commands (toolbox sh; `toolbox --list` for applets, which also run without exec):\n")
        var line = ""
        for b in builtins {
            if line.count + b.name.count > 70 { out.write(line + "\n"); line = "" }
            line += " " + b.name
        }
        out.write(line + "\n")
        return 0
    }

    func historyBuiltin() -> Int32 {
        for (i, h) in history.enumerated() { out.write(cFormatted("%5d  ", Int32(i + 1)) + h + "\n") }
        return 0
    }
}

/// dash's listing form: always in single quotes ('\'' for a quote).
func singleQuote(_ s: String) -> String { "'" + s.replacingAll("'", "'\\''") + "'" }
