import ToolboxCore

// Traps (dash's trap.c): a signal handler only sets a flag; the actions run
// between commands. Signal names come from one table indexed by number.

/// Linux signal names by number (x86-64/arm64 numbering).
let signalNames: [String] = ["EXIT", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
                             "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
                             "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"]

/// The number for `INT`, `SIGINT`, `2` (0 is EXIT); nil when unknown.
func signalNumber(_ s: String) -> Int32? {
    if let n = Int32(s) { return n >= 0 && n < 65 ? n : nil }
    var name = s.uppercased()
    if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
    if let i = signalNames.firstIndex(of: name) { return Int32(i) }
    return nil
}

// Flags written by the handler: raw memory, no Swift runtime in the handler.
nonisolated(unsafe) let pendingSignals = UnsafeMutablePointer<Int32>.allocate(capacity: 65)
nonisolated(unsafe) let pendingSignalCount = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

func initSignalFlags() {
    pendingSignals.initialize(repeating: 0, count: 65)
    pendingSignalCount.pointee = 0
}

private func trapHandler(_ sig: Int32) {
    pendingSignals[Int(sig)] = 1
    pendingSignalCount.pointee = 1
}

extension Shell {
    func setTrap(_ sig: Int32, _ action: String?) {
        // A non-interactive shell may not trap or reset what was ignored on
        // entry (POSIX 2.11). dash keeps the action's text (`trap` lists it)
        // and leaves the signal ignored; so does toolbox.
        probeEntryDisposition(sig)
        if let action { traps[sig] = action } else { traps[sig] = nil }
        guard sig > 0, interactive || !wasIgnoredOnEntry(sig) else { return }
        changedDispositions |= 1 << UInt32(sig)
        if let action {
            if action.isEmpty { signal(sig, SIG_IGN) }
            else {
                var sa = sigaction()
                sa.__sigaction_handler.sa_handler = trapHandler
                sigemptyset(&sa.sa_mask)
                sa.sa_flags = 0
                sigaction(sig, &sa, nil)
            }
        } else {
            if interactive && (sig == SIGINT || sig == SIGQUIT || sig == SIGTSTP || sig == SIGTTOU || sig == SIGTTIN || sig == SIGTERM) {
                signal(sig, sig == SIGINT ? SIG_IGN : SIG_IGN)
            } else {
                signal(sig, SIG_DFL)
            }
        }
    }

    func runPendingTraps() {
        guard pendingSignalCount.pointee != 0 else { return }
        pendingSignalCount.pointee = 0
        for s in 1..<65 where pendingSignals[s] != 0 {
            pendingSignals[s] = 0
            guard let action = traps[Int32(s)], !action.isEmpty else { continue }
            let saved = lastStatus
            let savedSkip = skip
            do { try evalString(action) } catch let e as ShellExit {
                _ = e; exitChildOrShell(e.status)
            } catch let f as ShellFailure { report(f.message) } catch {}
            lastStatus = saved
            skip = savedSkip
        }
    }

    func exitChildOrShell(_ status: Int32) -> Never {
        let s = finish(status)
        _exit(s)
    }
}
