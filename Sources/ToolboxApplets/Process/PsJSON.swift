import ToolboxCore

// ps --json / --jsonl: the selected rows as one JSON array (or JSON Lines),
// one member per -o key under its documented name (docs/json.md): aliases
// share one name (tname, tt -> tty; uid_hack, uname, euser -> user; cputime,
// bsdtime -> time), numbers are numbers (seconds, KiB, percent), and the
// strings are the exact bytes (no `?` for control characters: JSON escapes).

extension PsKey {
    /// The key that names the JSON member of this key's value (aliases and
    /// the several spellings of one value share it).
    var jsonKey: PsKey {
        switch self {
        case .bsdtime: return .time
        case .etimes: return .etime
        case .start: return .stime
        default: return self
        }
    }

    var jsonName: StaticString {
        switch self {
        case .pid: return "pid"
        case .ppid: return "ppid"
        case .pgid: return "pgid"
        case .sid: return "sid"
        case .tgid: return "tgid"
        case .lwp: return "lwp"
        case .uid: return "uid"
        case .ruid: return "ruid"
        case .user: return "user"
        case .ruser: return "ruser"
        case .gid: return "gid"
        case .rgid: return "rgid"
        case .group: return "group"
        case .rgroup: return "rgroup"
        case .tty: return "tty"
        case .stat: return "stat"
        case .state: return "state"
        case .time, .bsdtime: return "time"
        case .etime, .etimes: return "etime"
        case .stime, .start: return "start_time"
        case .args: return "args"
        case .comm: return "comm"
        case .rss: return "rss"
        case .vsz: return "vsz"
        case .pcpu: return "pcpu"
        case .pmem: return "pmem"
        case .c: return "c"
        case .nlwp: return "nlwp"
        case .ni: return "ni"
        case .pri: return "pri"
        case .wchan: return "wchan"
        case .container: return "container"
        case .flag: return "flags"
        case .addr: return "addr"
        case .sz: return "sz"
        case .opri: return "opri"
        case .psr: return "psr"
        }
    }
}

extension PsRenderer {
    /// Writes `rows` in `order` as one JSON document (`lines`: JSON Lines).
    func writeJSON(_ rows: [ProcessTable.Entry], _ order: [(Int, Int)], _ cols: [PsColumn], lines: Bool) {
        var keys: [PsKey] = []
        for c in cols where !keys.contains(c.info.key.jsonKey) { keys.append(c.info.key.jsonKey) }
        let table = JSONTable(ctx.out, lines: lines)
        for (i, _) in order {
            if ctx.out.isBroken { return }
            let w = table.beginRow()
            for k in keys { w.key(k.jsonName); jsonValue(rows[i], k, w) }
            table.endRow()
        }
        table.finish()
    }

    func jsonValue(_ e: ProcessTable.Entry, _ key: PsKey, _ w: JSONWriter) {
        let s = e.stat
        switch key {
        case .pid, .tgid: w.int(e.tgid)
        case .lwp: w.int(s.pid)
        case .ppid: w.int(s.ppid)
        case .pgid: w.int(s.pgrp)
        case .sid: w.int(s.session)
        case .uid: w.int(e.euid)
        case .ruid: w.int(e.ruid)
        case .gid: w.int(e.egid)
        case .rgid: w.int(e.rgid)
        case .user, .ruser, .group, .rgroup:
            let n = names.names(root: e.root, in: table)
            let group = key == .group || key == .rgroup
            let id = key == .user ? e.euid : key == .ruser ? e.ruid : key == .group ? e.egid : e.rgid
            w.string((group ? n.groups : n.users).name(id))
        case .tty:
            cell.removeAll()
            if s.ttyNr != 0 { tty(s.ttyNr) }
            if cell.isEmpty || (cell.count == 1 && cell[0] == 0x3F) { w.null() } else { w.string(bytes: cell.bytes) }
        case .stat, .state:
            cell.removeAll()
            render(e, key, prefix: [])
            w.string(bytes: cell.bytes)
        case .time, .bsdtime:
            // Seconds of CPU (user + system) to the clock tick: 12.34.
            let t = cpuTicks(e), hz = clock.hertz
            w.fixed((t / hz) &* 100 &+ (t % hz) &* 100 / hz, decimals: 2)
        case .etime, .etimes: w.int(elapsed(e))
        case .stime, .start: w.int(startEpoch(e))
        case .args, .comm:
            cell.removeAll()
            if key == .args ? argsAreFull : commIsFull { rawArgs(e) } else { cell.append(contentsOf: table.bytes(e.commOffset, e.commCount)) }
            w.string(bytes: cell.bytes)
        case .rss: w.int(rssKB(e))
        case .vsz: w.int(e.vmSize >= 0 ? UInt64(e.vmSize) : s.vsize / 1024)
        case .pcpu: w.fixed(pcpuPermille(e), decimals: 1)
        case .pmem:
            var p: UInt64 = 0
            if clock.memTotalKB > 0 { p = rssKB(e) &* 1000 / clock.memTotalKB }
            w.fixed(min(p, 999), decimals: 1)
        case .c:
            let sec = elapsed(e)
            w.int(min(sec > 0 ? (cpuTicks(e) &* 100 / clock.hertz) / sec : 0, 99))
        case .nlwp: w.int(s.numThreads)
        case .ni:
            if s.policy != 0 && s.policy != 3 && s.policy != -1 { w.null() } else { w.int(s.nice) }
        case .pri: w.int(39 &- s.priority)
        case .wchan:
            var b = table.bytes(e.wchanOffset, e.wchanCount)
            while let l = b.last, l == ASCII.newline || l == 0 { b = b.dropLast() }
            if b.isEmpty || (b.count == 1 && b.first == 0x30) { w.null() } else { w.string(bytes: b) }
        case .flag, .addr, .sz, .opri, .psr:
            // numbers as ps prints them; `-` (no value) is null
            cell.removeAll()
            render(e, key, prefix: [])
            var t = cell.bytes[...]
            while let f = t.first, f == ASCII.space { t = t.dropFirst() }
            if let v = Int(String(decoding: t, as: UTF8.self)) { w.int(v) }
            else if t.isEmpty || (t.count == 1 && t.first == 0x2D) { w.null() } else { w.string(bytes: Bytes(rebasing: t)) }
        case .container:
            if e.container >= 0 {
                w.string(table.containers[Int(e.container)].shortID)
                w.key("infra").bool(isInfra(e))
            } else {
                w.null(); w.key("infra").bool(false)
            }
        }
    }

    /// The command line as ps shows it (NULs as blanks, `[comm]` when
    /// empty, ` <defunct>` for a zombie), with its bytes as they are.
    func rawArgs(_ e: ProcessTable.Entry) {
        var b = table.bytes(e.argsOffset, e.argsCount)
        while let l = b.last, l == 0 { b = b.dropLast() }
        if b.isEmpty {
            cell.append(0x5B); cell.append(contentsOf: table.bytes(e.commOffset, e.commCount)); cell.append(0x5D)
        } else {
            for c in b { cell.append(c == 0 ? ASCII.space : c) }
        }
        if e.stat.state == 0x5A { text(" <defunct>") }
    }
}
