import ToolboxCore

// Jobs (dash's jobs.c): background and stopped pipelines, waiting with
// status conversion, and job control on a terminal: each pipeline in its
// own process group, the terminal handed to the foreground group and taken
// back when it stops or ends.

struct Job {
    var id = 0
    let pgid: Int32
    var pids: [Int32]
    var statuses: [Int32?] = []
    var command: String
    var stopped = false
    var notified = false
    init(pgid: Int32, pids: [Int32], command: String) {
        self.pgid = pgid; self.pids = pids; self.command = command
        statuses = Array(repeating: nil, count: pids.count)
    }
    var done: Bool { statuses.allSatisfy { $0 != nil } }
    var status: Int32 { (statuses.last ?? 0) ?? 0 }
}

struct JobTable {
    var jobs: [Job] = []
    mutating func add(_ job: Job) -> Int {
        var j = job
        j.id = (jobs.map(\.id).max() ?? 0) + 1
        jobs.append(j)
        return j.id
    }
    /// Records a reaped child; true when it belonged to a job.
    mutating func record(pid: Int32, status: Int32, stopped: Bool) -> Bool {
        for j in jobs.indices {
            if let k = jobs[j].pids.firstIndex(of: pid) {
                if stopped { jobs[j].stopped = true }
                else { jobs[j].statuses[k] = status; jobs[j].stopped = false }
                return true
            }
        }
        return false
    }
    func index(spec: String) -> Int? {
        if jobs.isEmpty { return nil }
        if spec == "%%" || spec == "%+" || spec == "%" { return jobs.count - 1 }
        if spec == "%-" { return jobs.count >= 2 ? jobs.count - 2 : jobs.count - 1 }
        if spec.hasPrefix("%"), let n = Int(spec.dropFirst()) { return jobs.firstIndex { $0.id == n } }
        if spec.hasPrefix("%") {
            let prefix = String(spec.dropFirst())
            return jobs.lastIndex { $0.command.hasPrefix(prefix) }
        }
        if let p = Int32(spec) { return jobs.firstIndex { $0.pids.contains(p) } }
        return nil
    }
}

/// A wait status as a shell exit status (128+N for a signal).
func decodeWaitStatus(_ s: Int32) -> (status: Int32, stopped: Bool) {
    if s & 0xff == 0x7f { return (128 + ((s >> 8) & 0xff), true) }
    if s & 0x7f == 0 { return ((s >> 8) & 0xff, false) }
    return (128 + (s & 0x7f), false)
}

extension Shell {
    /// Waits for one child (command substitution).
    func waitForChild(_ pid: Int32) -> Int32 {
        var st: Int32 = 0
        while true {
            let r = waitpid(pid, &st, 0)
            if r == pid { return decodeWaitStatus(st).status }
            if r < 0 && errno != EINTR { return 127 }
        }
    }

    /// Waits for a foreground pipeline; with job control, gives it the
    /// terminal and records it as a stopped job on Ctrl-Z.
    func waitForeground(_ pids: [Int32], command: String = "") -> Int32 {
        let jobControl = monitor && !isSubshell && interactive
        let pgid = pids.first ?? 0
        if jobControl { _ = tcsetpgrp(0, pgid) }
        var statuses = [Int32?](repeating: nil, count: pids.count)
        var stopped = false
        var remaining = pids.count
        var lastRaw: Int32 = 0
        while remaining > 0 {
            var st: Int32 = 0
            let r = waitpid(-1, &st, jobControl ? WUNTRACED : 0)
            if r < 0 {
                if errno == EINTR { continue }
                break
            }
            let (status, isStop) = decodeWaitStatus(st)
            if let k = pids.firstIndex(of: r) {
                if isStop { stopped = true; remaining -= 1; continue }
                if statuses[k] == nil { statuses[k] = status; remaining -= 1 }
                if k == pids.count - 1 { lastRaw = st }
            } else {
                _ = jobs.record(pid: r, status: status, stopped: isStop)
            }
        }
        reportSignalDeath(lastRaw)
        if jobControl {
            _ = tcsetpgrp(0, getpgrp())
            if stopped {
                var job = Job(pgid: pgid, pids: pids, command: command)
                job.statuses = statuses
                job.stopped = true
                let id = jobs.add(job)
                out.flush()
                err.write("\n[\(id)]+  Stopped                 \(command)\n"); err.flush()
                return 148
            }
            if let s = statuses.last ?? nil, s == 128 + SIGINT { err.write("\n"); err.flush() }
        }
        return (statuses.last ?? 0) ?? 0
    }

    /// dash prints how a foreground job died of a signal (not INT or PIPE).
    func reportSignalDeath(_ raw: Int32) {
        let sig = raw & 0x7f
        guard sig != 0, sig != 0x7f, sig != SIGINT, sig != SIGPIPE else { return }
        var text = strsignal(sig).map { String(cString: $0) } ?? "Signal \(sig)"
        if raw & 0x80 != 0 { text += " (core dumped)" }
        out.flush()
        err.write(text + "\n"); err.flush()
    }

    /// Reaps finished background children without blocking.
    func reapJobs() {
        var st: Int32 = 0
        while true {
            let r = waitpid(-1, &st, WNOHANG | (monitor ? WUNTRACED : 0))
            if r <= 0 { break }
            let (status, stop) = decodeWaitStatus(st)
            _ = jobs.record(pid: r, status: status, stopped: stop)
        }
    }

    /// In a child of an interactive shell: own process group, terminal if foreground, default signals.
    func jobControlChild(pgid: Int32, foreground: Bool) {
        let me = getpid()
        setpgid(0, pgid == 0 ? me : pgid)
        if foreground && interactive { _ = tcsetpgrp(0, pgid == 0 ? me : pgid) }
        resetSignalsForChild()
    }

    func resetSignalsForChild() {
        // Only what the shell changed: the rest is still what it inherited
        // (probing here made every child read its dispositions).
        for s in [SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGTERM]
        where changedDispositions & (1 << UInt32(s)) != 0 && traps[s] == nil && !wasIgnoredOnEntry(s) {
            signal(s, SIG_DFL)
        }
    }

    /// Waits for a job to end (wait builtin); returns its status.
    func waitJob(_ index: Int) -> Int32 {
        while !jobs.jobs[index].done {
            var st: Int32 = 0
            let r = waitpid(-1, &st, 0)
            if r < 0 {
                if errno == EINTR {
                    if pendingSignalCount.pointee != 0 { return 128 + lastPendingSignal() }
                    continue
                }
                break
            }
            let (status, stop) = decodeWaitStatus(st)
            _ = jobs.record(pid: r, status: status, stopped: stop)
            if !stop && r == jobs.jobs[index].pids.last { reportSignalDeath(st) }
        }
        return jobs.jobs[index].status
    }

    func lastPendingSignal() -> Int32 {
        for s in 1..<65 where pendingSignals[s] != 0 { return Int32(s) }
        return 0
    }

    /// fg/bg: continue a job, in the foreground (waiting) or background.
    func continueJob(_ index: Int, foreground: Bool) -> Int32 {
        var job = jobs.jobs[index]
        job.stopped = false
        jobs.jobs[index] = job
        out.write(job.command + "\n"); out.flush()
        if foreground {
            jobs.jobs.remove(at: index)
            if interactive { _ = tcsetpgrp(0, job.pgid) }
            kill(-job.pgid, SIGCONT)
            let pending = zip(job.pids, job.statuses).filter { $0.1 == nil }.map(\.0)
            return waitForeground(pending.isEmpty ? job.pids : pending, command: job.command)
        }
        kill(-job.pgid, SIGCONT)
        return 0
    }
}
