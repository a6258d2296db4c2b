import ToolboxCore

// The shell's state (dash's var.c, options.c, main.c): variables, options,
// positional parameters, functions, aliases, and the entry points for
// `sh -c`, `sh FILE` and a script on standard input.

/// How the shell runs toolbox's own applets without execve: `index(name)`
/// finds one, `run(index, argv)` runs it on the current fds 0/1/2 and
/// returns its exit status (the caller decides whether to fork first).
public struct AppletRunner: Sendable {
    /// The applets' names, built only when asked (Tab completion): not at start-up.
    public var names: [String] { listNames() }
    let listNames: @Sendable () -> [String]
    public let index: @Sendable (String) -> Int?
    public let run: @Sendable (Int, [String]) -> Int32
    public init(names: @escaping @Sendable () -> [String], index: @escaping @Sendable (String) -> Int?, run: @escaping @Sendable (Int, [String]) -> Int32) {
        self.listNames = names; self.index = index; self.run = run
    }
}

struct ShellVariable {
    var value: String?
    var exported = false
    var readonly = false
}

/// Thrown to unwind to the top level: `exit`, a fatal error in a
/// non-interactive shell, or the end of a forked child.
struct ShellExit: Error { let status: Int32 }

/// An error that aborts the current command (dash's `sh_error`): printed as
/// `sh: LINE: message`, status 2; fatal unless the shell is interactive.
struct ShellFailure: Error { let message: String; var status: Int32 = 2 }

enum Skip { case none, breakLoop, continueLoop, returnFunction }

public final class Shell {
    var vars: [String: ShellVariable] = [:]
    var positional: [String] = []
    var arg0: String
    var functions: [String: Node] = [:]
    var aliases: [String: String] = [:]
    var lastStatus: Int32 = 0
    var lastBackgroundPid: Int32 = 0
    let shellPid: Int32
    var currentLine = 0
    /// The prefix of error messages: `sh`, or the script's name.
    var commandName: String
    let applets: AppletRunner

    // options
    var errexit = false, nounset = false, xtrace = false, noglob = false, noclobber = false
    var verbose = false, allexport = false, noexec = false, monitor = false
    var interactive = false

    /// > 0 inside a condition (if/while/&&/||/!): errexit does not fire.
    var errexitSuppressed = 0
    var skip: Skip = .none
    var skipCount = 0
    var loopDepth = 0
    var functionDepth = 0
    var evalDepth = 0
    /// True in a forked child (subshell, pipeline stage, command substitution).
    var isSubshell = false
    /// Saved variables for `local`, one frame per function call.
    var localFrames: [[(String, ShellVariable?)]] = []

    var traps: [Int32: String] = [:]
    /// Bit n set: signal n was ignored when the shell started. Read from the
    /// kernel per signal on first use (`probeEntryDisposition`), as dash
    /// does with its sigmode table, not at start: 30 sigaction calls were
    /// half of `sh -c true`'s system calls, and most scripts never trap.
    /// The shell probes a signal before it changes that signal itself, so
    /// what is read is still what the shell was given.
    var ignoredOnEntry: UInt32 = 0
    /// Bit n set: signal n's inherited disposition has been read.
    var probedOnEntry: UInt32 = 0
    /// Bit n set: the shell changed signal n's disposition (a trap, the
    /// interactive shell's ignores); only those are reset in a child.
    var changedDispositions: UInt32 = 0
    func wasIgnoredOnEntry(_ sig: Int32) -> Bool {
        guard sig > 0 && sig < 32 else { return false }
        probeEntryDisposition(sig)
        return ignoredOnEntry & (1 << UInt32(sig)) != 0
    }
    /// Records whether `sig` was ignored on entry (POSIX 2.11: it stays
    /// ignored in a non-interactive shell). SIGPIPE is known from before
    /// toolbox ignored it for its applets (`start`).
    func probeEntryDisposition(_ sig: Int32) {
        guard sig > 0 && sig < 32 else { return }
        let bit: UInt32 = 1 << UInt32(sig)
        guard probedOnEntry & bit == 0 else { return }
        probedOnEntry |= bit
        if sig != SIGKILL && sig != SIGSTOP && signalIsIgnored(sig) { ignoredOnEntry |= bit }
    }
    func probeEntryDispositions() {
        for sig in Int32(1)..<32 { probeEntryDisposition(sig) }
    }
    var exitTrapRan = false
    var jobs = JobTable()

    /// Buffered writers on fds 1 and 2 for builtins (flushed after each).
    var out = OutputWriter(.fd(.standardOutput), capacity: 8192)
    let err = OutputWriter.standardError()
    /// Logical working directory ($PWD).
    var pwd: String = "/"
    var history: [String] = []
    var getoptsOffset = 0
    var getoptsLastOptind = 1
    /// Status of the last command substitution in the current command (-1: none).
    var substitutionStatus: Int32 = -1

    public init(arg0: String, applets: AppletRunner) {
        self.arg0 = arg0
        self.commandName = arg0
        self.applets = applets
        self.shellPid = getpid()
        self.inheritedEnvironment = cshim_environ() ?? Shell.noEnvironment
        startEnvironment()
    }

    // MARK: variables

    /// An empty environment (environ was NULL).
    nonisolated(unsafe) static let noEnvironment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: 1)
        p.pointee = nil
        return p
    }()
    /// The environment the shell was started with (environ at start-up).
    /// Its variables are imported lazily (dash imports all of them at once:
    /// 85k of the 200k instructions of `sh -c true` with 35 variables): a
    /// variable becomes an entry of `vars` when it is first read or set, and
    /// all of them when one is unset or the variables are listed
    /// (`importEnvironment`). Children get this array unchanged while no
    /// exported variable changed (`environmentChanged`).
    let inheritedEnvironment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    /// Not all of `inheritedEnvironment` is in `vars` yet.
    var environmentPending = true
    /// An exported variable was set, exported, unset or restored, or the
    /// inherited environment holds entries the shell does not pass on
    /// unchanged (bad names, IFS, PPID): children's environments are built.
    var environmentChanged = false
    /// Lookups that scanned `inheritedEnvironment`; after 32 the rest is
    /// imported at once (a long script pays the import once, a short one never).
    var environmentScans = 0

    /// One pass over environ at start-up: which entries the shell overrides
    /// (then children get a built environment, as before: IFS and PPID are
    /// the shell's own, entries that are no NAME=VALUE are dropped as dash
    /// does) and which defaults it must supply. No String is made here.
    private func startEnvironment() {
        var hasPS2 = false, hasPS4 = false, hasOPTIND = false, hasPATH = false
        var inheritedPWD: UnsafePointer<UInt8>? = nil
        var count = 0
        while inheritedEnvironment[count] != nil { count += 1 }
        // A name given twice: the shell takes the last (as dash), getenv in
        // a child the first, so children get a built environment then. Found
        // by the names' hashes, sorted (a collision only builds it needlessly).
        let hashes = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(count, 1))
        defer { hashes.deallocate() }
        var named = 0
        var p = inheritedEnvironment
        while let entry = p.pointee {
            p += 1
            let b = UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self)
            guard isNameStart(b[0]) else { environmentChanged = true; continue }
            var eq = 1
            var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(b[0])
            while isNameChar(b[eq]) { h = (h &* 0x100000001b3) ^ UInt64(b[eq]); eq += 1 }
            guard b[eq] == 61 else { environmentChanged = true; continue }
            hashes[named] = h; named += 1
            switch eq {
            case 3:
                if b[0] == 73 && b[1] == 70 && b[2] == 83 { environmentChanged = true }      // IFS
                else if b[0] == 80 && b[1] == 83 && b[2] == 50 { hasPS2 = true }          // PS2
                else if b[0] == 80 && b[1] == 83 && b[2] == 52 { hasPS4 = true }          // PS4
                else if b[0] == 80 && b[1] == 87 && b[2] == 68 { inheritedPWD = b + 4 }  // PWD
            case 4:
                if memcmp(b, "PATH", 4) == 0 { hasPATH = true }
                else if memcmp(b, "PPID", 4) == 0 { environmentChanged = true }
            case 6:
                if memcmp(b, "OPTIND", 6) == 0 { hasOPTIND = true }
            default: break
            }
        }
        if named > 1 {
            var used = UnsafeMutableBufferPointer(rebasing: hashes[0..<named])
            used.sort()
            for i in 1..<named where used[i] == used[i - 1] { environmentChanged = true; break }
        }
        vars["IFS"] = ShellVariable(value: " \t\n")
        // PS1 stays unset: the prompt is then `user@host:/path# ` (Interactive.swift)
        if !hasPS2 { vars["PS2"] = ShellVariable(value: "> ") }
        if !hasPS4 { vars["PS4"] = ShellVariable(value: "+ ") }
        if !hasOPTIND { vars["OPTIND"] = ShellVariable(value: "1") }
        if !hasPATH { vars["PATH"] = ShellVariable(value: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") }
        vars["PPID"] = ShellVariable(value: String(getppid()))
        // PWD: keep the inherited one when it names the current directory.
        var cwd: String? = nil
        if let inheritedPWD, inheritedPWD[0] == 47 {
            let inherited = String(cString: inheritedPWD)
            if let a = try? fileStatus(inherited), let b = try? fileStatus("."), a.st_dev == b.st_dev && a.st_ino == b.st_ino {
                cwd = inherited
            }
        }
        if cwd == nil { environmentChanged = true }
        pwd = cwd ?? currentDirectory() ?? "/"
        vars["PWD"] = ShellVariable(value: pwd, exported: true)
    }

    /// The value of the last `name=` entry of the inherited environment.
    private func inheritedValue(_ name: String) -> String? {
        environmentScans += 1
        var name = name
        return name.withUTF8 { n -> String? in
            guard let np = n.baseAddress, n.count > 0 else { return nil }
            var found: UnsafeMutablePointer<CChar>? = nil
            var p = inheritedEnvironment
            while let entry = p.pointee {
                p += 1
                if strncmp(entry, UnsafeRawPointer(np).assumingMemoryBound(to: CChar.self), n.count) == 0 && entry[n.count] == 61 {
                    found = entry + n.count + 1
                }
            }
            return found.map { String(cString: $0) }
        }
    }

    /// Imports every inherited variable not in `vars` yet (dash's initvar;
    /// the last of two entries with one name wins, as there).
    func importEnvironment() {
        guard environmentPending else { return }
        environmentPending = false
        var n = 0
        while inheritedEnvironment[n] != nil { n += 1 }
        while n > 0 {
            n -= 1
            let bytes = UnsafeRawPointer(inheritedEnvironment[n]!).assumingMemoryBound(to: UInt8.self)
            guard isNameStart(bytes[0]) else { continue }
            var eq = 1
            while isNameChar(bytes[eq]) { eq += 1 }
            guard bytes[eq] == 61 else { continue }
            let name = String(decoding: UnsafeBufferPointer(start: bytes, count: eq), as: UTF8.self)
            if vars.index(forKey: name) != nil { continue }   // set, imported or the shell's own
            vars[name] = ShellVariable(value: String(cString: bytes + eq + 1), exported: true)
        }
    }

    /// A variable by name: from `vars`, or imported from the inherited environment.
    func variable(_ name: String) -> ShellVariable? {
        if let i = vars.index(forKey: name) { return vars.values[i] }
        guard environmentPending else { return nil }
        if environmentScans >= 32 { importEnvironment(); return vars[name] }
        guard let value = inheritedValue(name) else { return nil }
        let v = ShellVariable(value: value, exported: true)
        vars[name] = v
        return v
    }

    func value(_ name: String) -> String? { variable(name)?.value }

    func setVariable(_ name: String, _ value: String, export: Bool = false) throws {
        if let i = vars.index(forKey: name) {
            // in place: one hash, no copy of the entry
            if vars.values[i].readonly { throw ShellFailure(message: "\(name): is read only") }
            vars.values[i].value = value
            if export || allexport { vars.values[i].exported = true }
            if vars.values[i].exported { environmentChanged = true }
        } else if environmentPending && variable(name) != nil {
            // inherited: now in `vars`, and set there (it stays exported)
            try setVariable(name, value, export: export)
        } else {
            let exported = export || allexport
            vars[name] = ShellVariable(value: value, exported: exported)
            if exported { environmentChanged = true }
        }
    }

    /// Removes `name` (unset, getopts' OPTARG): the inherited environment is
    /// imported first, or a later lookup would find the inherited value.
    func removeVariable(_ name: String) {
        importEnvironment()
        if let old = vars.removeValue(forKey: name), old.exported { environmentChanged = true }
    }

    /// Puts back a variable saved by `local` or a command's assignments.
    func restoreVariable(_ name: String, _ saved: ShellVariable?) {
        environmentChanged = true
        if let saved { vars[name] = saved } else { removeVariable(name) }
    }

    var ifs: String { vars["IFS"]?.value ?? " \t\n" }

    /// The environment for a child: exported variables plus the command's
    /// assignments; nil when that is the inherited environment unchanged.
    func environment(extra: [(String, String)]) -> [String]? {
        if environmentPending && !environmentChanged && extra.isEmpty { return nil }
        importEnvironment()
        var env: [String] = []
        env.reserveCapacity(vars.count)
        for (k, v) in vars where v.exported {
            if let value = v.value, !extra.contains(where: { $0.0 == k }) { env.append(k + "=" + value) }
        }
        for (k, v) in extra { env.append(k + "=" + v) }
        return env
    }

    // MARK: errors

    func report(_ message: String) {
        out.flush()
        err.write(commandName + ": " + String(currentLine) + ": " + message + "\n")
        err.flush()
    }

    // MARK: entry points

    /// `sh [-c STRING [NAME [ARG...]] | FILE [ARG...]]` with option letters.
    public static func main(_ args: [String], applets: AppletRunner) -> Int32 {
        let shell = Shell(arg0: "sh", applets: applets)
        // Kept alive: the process ends right after, and tearing down the
        // shell's tables (no deinit has work to do) was 15% of the
        // instructions of `sh -c true` (bench/results/sh.md).
        _ = Unmanaged.passRetained(shell)
        return shell.start(args)
    }

    func start(_ args: [String]) -> Int32 {
        // Signals ignored on entry stay ignored (POSIX 2.11): a shell started
        // with SIGPIPE ignored sees EPIPE, as dash does. toolbox ignores
        // SIGPIPE for its applets; otherwise a shell (and what it execs) gets
        // the default back, so `yes | head` ends the writer.
        probedOnEntry |= 1 << UInt32(SIGPIPE)
        if OutputWriter.sigpipeIgnoredOnEntry { ignoredOnEntry |= 1 << UInt32(SIGPIPE) }
        else { ignoredOnEntry &= ~(1 << UInt32(SIGPIPE)); signal(SIGPIPE, SIG_DFL) }
        initSignalFlags()
        var i = 0
        var command: String? = nil
        var forceInteractive = false
        var readStdin = false
        while i < args.count {
            let a = args[i]
            if a == "--" { i += 1; break }
            if a == "-" { i += 1; break }
            guard let f = a.utf8.first, f == 45 || f == 43, a.utf8.count > 1 else { break }
            let on = f == 45
            i += 1
            var chars = Array(a.utf8.dropFirst())
            var k = 0
            while k < chars.count {
                let c = chars[k]; k += 1
                switch c {
                case UInt8(ascii: "c"):
                    command = ""
                case UInt8(ascii: "i"): forceInteractive = on
                case UInt8(ascii: "s"): readStdin = on
                case UInt8(ascii: "o"):
                    if i < args.count { _ = setLongOption(args[i], on); i += 1 }
                default:
                    if !setOptionLetter(c, on) {
                        err.write("sh: Illegal option -\(String(UnicodeScalar(c)))\n"); err.flush()
                        return 2
                    }
                }
            }
            chars.removeAll()
        }
        if command != nil {
            guard i < args.count else {
                err.write("sh: -c requires an argument\n"); err.flush(); return 2
            }
            command = args[i]; i += 1
            if i < args.count { arg0 = args[i]; commandName = arg0; i += 1 }
            positional = Array(args[i...])
            interactive = forceInteractive
            return runTop(Parser(Array(command!.utf8)))
        }
        if i < args.count && !readStdin {
            let file = args[i]
            positional = Array(args[(i + 1)...])
            arg0 = file; commandName = file
            let fd: FileDescriptor
            do { fd = try FileDescriptor.open(file, O_RDONLY) } catch {
                commandName = "sh"; currentLine = 0
                report("cannot open \(file): \(openMessage(error))")
                return 2
            }
            let input = FdInput(moveHigh(fd))
            return runTop(Parser([], refill: { input.read() }))
        }
        positional = Array(args[i...])
        interactive = forceInteractive || (Terminal.isTerminal(0) && Terminal.isTerminal(2))
        if interactive {
            monitor = true
            return runInteractive()
        }
        let input = FdInput(.standardInput)
        input.byteAtATime = lseek(0, 0, SEEK_CUR) < 0
        return runTop(Parser([], refill: { input.read() }))
    }

    func setOptionLetter(_ c: UInt8, _ on: Bool) -> Bool {
        switch c {
        case UInt8(ascii: "e"): errexit = on
        case UInt8(ascii: "u"): nounset = on
        case UInt8(ascii: "x"): xtrace = on
        case UInt8(ascii: "f"): noglob = on
        case UInt8(ascii: "C"): noclobber = on
        case UInt8(ascii: "v"): verbose = on
        case UInt8(ascii: "a"): allexport = on
        case UInt8(ascii: "n"): noexec = on
        case UInt8(ascii: "m"): monitor = on
        case UInt8(ascii: "b"), UInt8(ascii: "h"): break
        default: return false
        }
        return true
    }

    static let longOptions: [(String, UInt8)] = [
        ("allexport", UInt8(ascii: "a")), ("errexit", UInt8(ascii: "e")), ("monitor", UInt8(ascii: "m")),
        ("noclobber", UInt8(ascii: "C")), ("noexec", UInt8(ascii: "n")), ("noglob", UInt8(ascii: "f")),
        ("nounset", UInt8(ascii: "u")), ("verbose", UInt8(ascii: "v")), ("xtrace", UInt8(ascii: "x")),
    ]

    func setLongOption(_ name: String, _ on: Bool) -> Bool {
        guard let o = Shell.longOptions.first(where: { $0.0 == name }) else { return false }
        return setOptionLetter(o.1, on)
    }

    func optionIsSet(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "e"): return errexit
        case UInt8(ascii: "u"): return nounset
        case UInt8(ascii: "x"): return xtrace
        case UInt8(ascii: "f"): return noglob
        case UInt8(ascii: "C"): return noclobber
        case UInt8(ascii: "v"): return verbose
        case UInt8(ascii: "a"): return allexport
        case UInt8(ascii: "n"): return noexec
        case UInt8(ascii: "m"): return monitor
        default: return false
        }
    }

    var optionFlags: String {
        var s = ""
        for c in "efuvxCamn".utf8 where optionIsSet(c) { s.append(Character(UnicodeScalar(c))) }
        if interactive { s += "i" }
        return s
    }

    /// Parses and runs commands one at a time until end of input or `exit`.
    func runTop(_ parser: Parser) -> Int32 {
        parser.aliasLookup = { [unowned self] in self.aliases[$0] }
        do {
            while true {
                let node: Node?
                do {
                    node = try parser.nextCommand()
                } catch let e as ShellSyntaxError {
                    currentLine = e.line
                    report(e.message)
                    lastStatus = 2
                    if interactive { continue }
                    throw ShellExit(status: 2)
                }
                guard let node else { break }
                if noexec { continue }
                do {
                    _ = try eval(node)
                } catch let f as ShellFailure {
                    report(f.message)
                    lastStatus = f.status
                    if !interactive { throw ShellExit(status: f.status) }
                }
                skip = .none
                runPendingTraps()
            }
        } catch let e as ShellExit {
            return finish(e.status)
        } catch {
            return finish(2)
        }
        return finish(lastStatus)
    }

    /// Runs the EXIT trap once and flushes; returns the status to exit with.
    func finish(_ status: Int32) -> Int32 {
        var status = status
        if !exitTrapRan, let action = traps[0], !isSubshell || true {
            exitTrapRan = true
            let saved = lastStatus
            lastStatus = status
            do {
                try evalString(action)
            } catch let e as ShellExit { status = e.status }
            catch let f as ShellFailure { report(f.message); status = f.status }
            catch {}
            _ = saved
        }
        out.flush(); err.flush()
        saveHistory()
        return status
    }

    /// Parses and runs a string (eval, trap actions).
    func evalString(_ s: String) throws {
        lastStatus = try runParsed(Parser(Array(s.utf8)), stopAtReturn: false, errorPrefix: "eval: ")
    }

    /// Runs every command `parser` yields (eval, `.`, traps); syntax errors become failures.
    func runParsed(_ parser: Parser, stopAtReturn: Bool, errorPrefix: String = "") throws -> Int32 {
        parser.aliasLookup = { [unowned self] in self.aliases[$0] }
        evalDepth += 1
        defer { evalDepth -= 1 }
        if evalDepth > maxNesting { throw ShellFailure(message: "nesting too deep") }
        var status: Int32 = 0
        while true {
            var next: Node? = nil
            do { next = try parser.nextCommand() } catch {
                currentLine = error.line
                throw ShellFailure(message: errorPrefix + error.message)
            }
            guard let node = next else { break }
            status = try eval(node)
            if skip == .returnFunction && stopAtReturn { skip = .none; break }
            if skip != .none { break }
        }
        return status
    }
}

/// dash's errmsg(E_OPEN): ENOENT and ENOTDIR say "No such file".
func openMessage(_ e: Error) -> String {
    if let e = e as? Errno {
        if e == .noSuchFile || e == .notDirectory { return "No such file" }
        return e.description
    }
    return "\(e)"
}

func currentDirectory() -> String? {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return nil }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A script read from a descriptor in blocks; byte by byte from a pipe so
/// commands that read standard input see what follows the current line.
final class FdInput {
    let fd: FileDescriptor
    var byteAtATime = false
    var buffer = [UInt8](repeating: 0, count: 8192)
    init(_ fd: FileDescriptor) { self.fd = fd }
    func read() -> [UInt8]? {
        if byteAtATime {
            var line: [UInt8] = []
            var b: UInt8 = 0
            while true {
                let n = Glibc.read(fd.rawValue, &b, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                line.append(b)
                if b == 10 { break }
            }
            return line.isEmpty ? nil : line
        }
        let n = buffer.withUnsafeMutableBytes { (try? fd.read(into: $0)) ?? 0 }
        return n <= 0 ? nil : Array(buffer[0..<n])
    }
}
