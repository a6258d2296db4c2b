import Foundation
import ToolboxCore
import XCTest

/// /proc as older kernels write it: Linux 4.15 (Ubuntu 18.04's, the only
/// 4.x kernel package this machine can reach: buster's 4.19 and stretch's
/// 4.9 are gone from Debian's archive), 5.10 (Debian bullseye) and 6.1
/// (bookworm), captured in a VM by `scripts/capture-kernel-fixtures`
/// (Tests/Fixtures/kernels/VERSION/README.md says how). Every captured file
/// goes through the parser the applets use, with the values read from the
/// capture asserted exactly; what toolbox printed in that VM is compared
/// with what busybox printed there (pids, commands, addresses, states).
final class KernelFixtureTests: XCTestCase {
    /// What each capture holds, read from it by hand.
    struct Kernel {
        let version: String
        let sleep: Int32, listen: Int32, server: Int32, udp: Int32, syslogd: Int32, client: Int32
        /// start times (stat field 22) of pid 1, the sleep and the listener
        let startTimes: [UInt64]
        let capEff: UInt64
        let maxProcesses: UInt64
        let rss: [UInt64]                     // smaps_rollup Rss of pid 1, sleep, listener (kB)
        let memTotal: UInt64
        let cpuUser: UInt64, cpuSystem: UInt64
        let unixInode: UInt64
        let clientPort: UInt16
        let loPackets: UInt64
        let pid1Environ: [String]
        let toolboxPsPid: Int32, busyboxPsPid: Int32, capsPid: Int32
        /// where the package came from, as the capture's README says it
        let origin: String
        /// the names of the kernel's last three capabilities
        let lastCaps: String
    }

    static let kernels: [Kernel] = [
        // 4.15 has no cap_perfmon, cap_bpf, cap_checkpoint_restore (5.8, 5.9):
        // 38 capabilities, cap_audit_read (37) the last.
        Kernel(version: "4.15.0-213-generic", sleep: 139, listen: 141, server: 143, udp: 144, syslogd: 145, client: 148,
               startTimes: [32, 396, 396], capEff: 0x3f_ffff_ffff, maxProcesses: 1879, rss: [1728, 1448, 1464],
               memTotal: 493_080, cpuUser: 15, cpuSystem: 382, unixInode: 9911, clientPort: 40160, loPackets: 3,
               pid1Environ: ["HOME", "TERM"], toolboxPsPid: 194, busyboxPsPid: 218, capsPid: 214,
               origin: "Ubuntu 18.04 (bionic-updates) package", lastCaps: "cap_wake_alarm,cap_block_suspend,cap_audit_read"),
        Kernel(version: "5.10.0-32-cloud-amd64", sleep: 93, listen: 95, server: 97, udp: 98, syslogd: 99, client: 102,
               startTimes: [134, 3496, 3505], capEff: 0x1ff_ffff_ffff, maxProcesses: 1850, rss: [1732, 1440, 1464],
               memTotal: 487_148, cpuUser: 42, cpuSystem: 568, unixInode: 8505, clientPort: 43190, loPackets: 3,
               pid1Environ: ["HOME", "TERM"], toolboxPsPid: 148, busyboxPsPid: 172, capsPid: 168,
               origin: "Debian package", lastCaps: "cap_perfmon,cap_bpf,cap_checkpoint_restore"),
        Kernel(version: "6.1.0-57-cloud-amd64", sleep: 103, listen: 105, server: 107, udp: 108, syslogd: 109, client: 112,
               startTimes: [245, 2627, 2656], capEff: 0x1ff_ffff_ffff, maxProcesses: 1824, rss: [1732, 1440, 1460],
               memTotal: 481_296, cpuUser: 52, cpuSystem: 843, unixInode: 10257, clientPort: 45318, loPackets: 3,
               pid1Environ: ["HOME", "TERM"], toolboxPsPid: 158, busyboxPsPid: 182, capsPid: 178,
               origin: "Debian package", lastCaps: "cap_perfmon,cap_bpf,cap_checkpoint_restore"),
    ]

    func dir(_ k: Kernel) -> String { "kernels/\(k.version)/" }
    func bytes(_ k: Kernel, _ path: String) throws -> [UInt8] { try fixtureBytes(dir(k) + path) }
    func text(_ k: Kernel, _ path: String) throws -> String { String(decoding: try bytes(k, path), as: UTF8.self) }

    func testCapturesAreLabelled() throws {
        XCTAssertEqual(Self.kernels.map { $0.version.split(separator: ".").prefix(2).joined(separator: ".") }, ["4.15", "5.10", "6.1"])
        for k in Self.kernels {
            XCTAssertEqual(try text(k, "uname"), k.version + "\n")
            let readme = try text(k, "README.md")
            XCTAssertTrue(readme.hasPrefix("# Linux \(k.version)\n"), readme)
            XCTAssertTrue(readme.contains("\(k.origin) `linux-image-\(k.version)"), readme)
            XCTAssertEqual(try text(k, "pids"),
                           "sleep=\(k.sleep) listen=\(k.listen) server=\(k.server) udp=\(k.udp) syslogd=\(k.syslogd) client=\(k.client) init=1\n")
        }
    }

    func testPidStatAndStatus() throws {
        for k in Self.kernels {
            let procs: [(pid: Int32, comm: String, ppid: Int32, args: [String])] = [
                (1, "init", 0, ["/bin/busybox", "sh", "/init"]),
                (k.sleep, "sleep", 1, ["sleep", "1000"]),
                (k.listen, "nc", 1, ["nc", "-l", "-p", "8080"]),
            ]
            for (i, p) in procs.enumerated() {
                let st = try withBytes(bytes(k, "proc/\(p.pid)/stat")) { b -> (PidStat?, String) in
                    let s = PidStat.parse(b); return (s, s?.comm(in: b) ?? "")
                }
                let stat = try XCTUnwrap(st.0, "\(k.version) \(p.pid)/stat")
                XCTAssertEqual(stat.pid, p.pid); XCTAssertEqual(st.1, p.comm)
                XCTAssertEqual(stat.state, UInt8(ascii: "S")); XCTAssertEqual(stat.ppid, p.ppid)
                XCTAssertEqual(stat.numThreads, 1); XCTAssertEqual(stat.startTime, k.startTimes[i], "\(k.version) \(p.pid)")
                XCTAssertFalse(stat.isKernelThread)
                let status = try XCTUnwrap(withBytes(bytes(k, "proc/\(p.pid)/status")) { PidStatus.parse($0) })
                XCTAssertEqual(status.name, p.comm); XCTAssertEqual(status.state, UInt8(ascii: "S"))
                XCTAssertEqual(status.pid, p.pid); XCTAssertEqual(status.tgid, p.pid); XCTAssertEqual(status.ppid, p.ppid)
                XCTAssertEqual(status.uids, [0, 0, 0, 0]); XCTAssertEqual(status.gids, [0, 0, 0, 0]); XCTAssertEqual(status.groups, [])
                XCTAssertEqual(status.threads, 1)
                XCTAssertEqual(status.capEffective, k.capEff); XCTAssertEqual(status.capPermitted, k.capEff)
                XCTAssertEqual(status.capBounding, k.capEff); XCTAssertEqual(status.capInheritable, 0); XCTAssertEqual(status.capAmbient, 0)
                XCTAssertEqual(status.noNewPrivs, false); XCTAssertEqual(status.seccomp, 0)
                let args = try bytes(k, "proc/\(p.pid)/cmdline").split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                XCTAssertEqual(args, p.args)
            }
        }
    }

    func testPidFiles() throws {
        for k in Self.kernels {
            for (i, pid) in [1, k.sleep, k.listen].enumerated() {
                let mounts = try withBytes(bytes(k, "proc/\(pid)/mountinfo")) { MountInfo.parse($0).mounts }
                XCTAssertEqual(mounts.map(\.mountPoint), ["/", "/proc", "/sys", "/dev", "/tmp"])
                XCTAssertEqual(mounts.map(\.fsType), ["rootfs", "proc", "sysfs", "devtmpfs", "tmpfs"])
                let info = try withBytes(bytes(k, "proc/\(pid)/mountinfo")) { MountInfo.parse($0) }
                XCTAssertEqual(info.mounts.map(\.mountPoint), mounts.map(\.mountPoint))
                XCTAssertEqual(info.mounts.map(\.source), ["rootfs", "proc", "sys", "dev", "tmp"])
                XCTAssertEqual(info.mounts.map(\.readOnly), [false, false, false, false, false])

                let limits = try withBytes(bytes(k, "proc/\(pid)/limits")) { PidLimits.parse($0) }
                XCTAssertEqual(limits.limits.count, 16)
                XCTAssertEqual(limits.limit("Max open files"), .init(name: "Max open files", soft: 1024, hard: 4096, unit: "files"))
                XCTAssertEqual(limits.limit("Max processes"), .init(name: "Max processes", soft: k.maxProcesses, hard: k.maxProcesses, unit: "processes"))
                XCTAssertEqual(limits.limit("Max stack size"), .init(name: "Max stack size", soft: 8_388_608, hard: nil, unit: "bytes"))
                XCTAssertEqual(limits.limit("Max cpu time"), .init(name: "Max cpu time", soft: nil, hard: nil, unit: "seconds"))

                let rollup = try XCTUnwrap(withBytes(bytes(k, "proc/\(pid)/smaps_rollup")) { SmapsRollup.parse($0) })
                XCTAssertEqual(rollup.rss, k.rss[i], "\(k.version) \(pid)"); XCTAssertEqual(rollup.swap, 0)

                let env = try withBytes(bytes(k, "proc/\(pid)/environ")) { Environ.parse($0) }
                let names = env.variables.map(\.nameString)
                XCTAssertEqual(names, pid == 1 ? k.pid1Environ : ["SHLVL", "HOME", "TERM", "PATH", "PWD"], "\(k.version) \(pid)")

                let maps = try withBytes(bytes(k, "proc/\(pid)/maps")) { PidMapsFile.distinctFiles(in: $0) }
                XCTAssertEqual(maps.malformed, 0)
                XCTAssertEqual(maps.files.map(\.path), ["/bin/busybox"])

                XCTAssertNil(try withBytes(bytes(k, "proc/\(pid)/cgroup")) { ContainerRef.parse($0) })
            }
        }
    }

    /// One row as netstat -n prints its two addresses and state.
    func inetRows(_ k: Kernel, _ file: String) throws -> [String] {
        var rows: [String] = []
        let bad = try withBytes(bytes(k, "proc/net/" + file)) { b in
            InetSocket.forEach(in: b) { s in
                rows.append("\(s.local.text):\(s.localPort) \(s.remote.text):\(s.remotePort) \(s.state) uid=\(s.uid)")
            }
        }
        XCTAssertEqual(bad, 0, "\(k.version) \(file)")
        return rows
    }

    func testProcNet() throws {
        for k in Self.kernels {
            // busybox nc listens on :: (tcp6); the client connects from 127.0.0.1.
            XCTAssertEqual(try inetRows(k, "tcp"), ["127.0.0.1:\(k.clientPort) 127.0.0.1:8081 1 uid=0"])
            // busybox nc -l closes its listening socket once it accepted: 8081 is the server side only.
            XCTAssertEqual(try inetRows(k, "tcp6"), [
                ":::8080 :::0 10 uid=0", "::ffff:127.0.0.1:8081 ::ffff:127.0.0.1:\(k.clientPort) 1 uid=0",
            ])
            XCTAssertEqual(try inetRows(k, "udp"), ["0.0.0.0:5353 0.0.0.0:0 7 uid=0"])
            var unix: [UnixSocket] = []
            XCTAssertEqual(try withBytes(bytes(k, "proc/net/unix")) { b in UnixSocket.forEach(in: b) { unix.append($0) } }, 0)
            XCTAssertEqual(unix.map { "\($0.refCount ?? 0) \($0.flags) \($0.type) \($0.state) \($0.inode) \(String(decoding: $0.path, as: UTF8.self))" },
                           ["2 0 2 1 \(k.unixInode) /dev/log"])

            var bad = 0
            XCTAssertEqual(try withBytes(bytes(k, "proc/net/route")) { Route.parseIPv4($0, malformed: &bad) }, [])
            let devs = try withBytes(bytes(k, "proc/net/dev")) { NetDevice.parse($0, malformed: &bad) }
            XCTAssertEqual(devs.map(\.name), ["lo"]); XCTAssertEqual(devs.first?.rxPackets, k.loPackets)
            XCTAssertEqual(devs.first?.txPackets, k.loPackets); XCTAssertEqual(devs.first?.counters.count, 16)
            let groups = try withBytes(bytes(k, "proc/net/igmp")) { MulticastGroup.parseIGMP($0, malformed: &bad) }
            // The device keeps the kernel's %-10s padding.
            XCTAssertEqual(groups, [MulticastGroup(device: "lo        ", group: InetAddress(ipv4: 0xE000_0001), users: 1)])
            XCTAssertEqual(bad, 0)
            var snmpBad = false
            let snmp = try withBytes(bytes(k, "proc/net/snmp")) { SNMPTable.parsePairs($0, malformed: &snmpBad) }
            XCTAssertFalse(snmpBad)
            XCTAssertEqual(snmp.map(\.title), ["Ip", "Icmp", "Tcp", "Udp", "UdpLite"])
            XCTAssertEqual(snmp.first { $0.title == "Tcp" }?.counters.first { $0.name == "CurrEstab" }?.value, 2)
            XCTAssertEqual(snmp.first { $0.title == "Tcp" }?.counters.first { $0.name == "ActiveOpens" }?.value, 1)
            XCTAssertEqual(snmp.first { $0.title == "Tcp" }?.counters.first { $0.name == "PassiveOpens" }?.value, 1)
            XCTAssertEqual(snmp.first { $0.title == "Ip" }?.counters.first { $0.name == "DefaultTTL" }?.value, 64)
        }
    }

    func testSystemFiles() throws {
        for k in Self.kernels {
            let mem = try withBytes(bytes(k, "proc/meminfo")) { Meminfo.parse($0) }
            XCTAssertEqual(mem["MemTotal"], k.memTotal); XCTAssertEqual(mem["SwapTotal"], 0)
            let cpu = try XCTUnwrap(withBytes(bytes(k, "proc/stat")) { CpuTimes.parse($0) })
            XCTAssertEqual(cpu.user, k.cpuUser); XCTAssertEqual(cpu.system, k.cpuSystem)
            let up = try text(k, "proc/uptime").split(separator: " ")
            XCTAssertEqual(up.count, 2)
        }
    }

    /// stdout, stderr, exit code of a command run in the VM.
    func run(_ k: Kernel, _ name: String) throws -> RunResult {
        RunResult(out: try text(k, "out/\(name).out"), err: try text(k, "out/\(name).err"),
                  code: Int32(try text(k, "out/\(name).rc").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1)
    }

    /// The first n-1 blank-separated fields of a line, then the rest.
    func fields(_ line: Substring, _ n: Int) -> [Substring] {
        var out: [Substring] = []
        var rest = line.drop { $0 == " " }
        while out.count < n - 1, let sp = rest.firstIndex(of: " ") {
            out.append(rest[..<sp]); rest = rest[sp...].drop { $0 == " " }
        }
        out.append(rest)
        return out
    }

    /// toolbox ps -ef and busybox ps in the same VM: the same processes
    /// (each tool's own row aside), the same commands; busybox prints a
    /// kernel thread's 15-character comm, toolbox the longer name the
    /// kernel gives workqueue workers.
    func testPsAgreesWithBusybox() throws {
        for k in Self.kernels {
            let ours = try run(k, "toolbox-ps-ef"), theirs = try run(k, "busybox-ps")
            XCTAssertEqual(ours.code, 0); XCTAssertEqual(ours.err, ""); XCTAssertEqual(theirs.code, 0); XCTAssertEqual(theirs.err, "")
            var ourRows: [Int32: String] = [:]
            for line in ours.out.split(separator: "\n").dropFirst() {
                let f = fields(line, 8)
                XCTAssertEqual(f.count, 8, String(line)); XCTAssertEqual(f[0], "root")
                ourRows[Int32(f[1])!] = String(f[7])
            }
            var theirRows: [Int32: String] = [:]
            for line in theirs.out.split(separator: "\n").dropFirst() {
                let f = fields(line, 3)
                XCTAssertEqual(f.count, 3, String(line)); XCTAssertEqual(f[1], "root")
                var cmd = String(f[2])
                if cmd.hasPrefix("{"), let end = cmd.firstIndex(of: "}") { cmd = String(cmd[cmd.index(end, offsetBy: 2)...]) }
                theirRows[Int32(f[0])!] = cmd
            }
            XCTAssertEqual(ourRows[k.toolboxPsPid], "toolbox ps -ef"); XCTAssertEqual(theirRows[k.busyboxPsPid], "busybox ps")
            ourRows[k.toolboxPsPid] = nil; theirRows[k.busyboxPsPid] = nil
            XCTAssertEqual(ourRows.keys.sorted(), theirRows.keys.sorted(), k.version)
            for (pid, cmd) in theirRows {
                let mine = ourRows[pid] ?? ""
                if cmd.hasPrefix("[") {
                    // A kworker's name ends with the workqueue it last ran, which changed between the two runs.
                    func base(_ s: String) -> Substring { s.dropLast().split(separator: "-", maxSplits: 1).first ?? "" }
                    XCTAssertTrue(base(mine).hasPrefix(base(cmd)) && mine.hasSuffix("]"), "\(pid): \(mine) vs \(cmd)")
                } else {
                    XCTAssertEqual(mine, cmd, "\(k.version) pid \(pid)")
                }
            }
            for (pid, cmd) in [(1, "/bin/busybox sh /init"), (k.sleep, "sleep 1000"), (k.listen, "nc -l -p 8080"),
                               (k.server, "nc -l -p 8081"), (k.udp, "toolbox nc -u -l -p 5353"),
                               (k.syslogd, "syslogd -n -O /tmp/messages"), (k.client, "nc 127.0.0.1 8081")] {
                XCTAssertEqual(ourRows[pid], cmd, "\(k.version) pid \(pid)")
            }
        }
    }

    /// Rows of a netstat -n table as "local foreign state" (busybox says
    /// tcp for a tcp6 socket, net-tools and toolbox tcp6: the protocol
    /// column is compared separately).
    func socketRows(_ out: String) -> [String] {
        out.split(separator: "\n").dropFirst(2).map { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            return f.count >= 5 ? f[3...].joined(separator: " ") : String(line)
        }
    }

    func protocols(_ out: String) -> [Substring] {
        out.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").first ?? "" }
    }

    func testNetstatAgreesWithBusyboxAndProc() throws {
        for k in Self.kernels {
            let netlink = try run(k, "toolbox-netstat-tan-netlink"), proc = try run(k, "toolbox-netstat-tan-proc")
            XCTAssertEqual(netlink, proc, k.version)
            XCTAssertEqual(netlink.code, 0); XCTAssertEqual(netlink.err, "")
            let bb = try run(k, "busybox-netstat-tan")
            XCTAssertEqual(bb.code, 0)
            let rows = socketRows(netlink.out)
            XCTAssertEqual(rows, socketRows(bb.out), k.version)
            XCTAssertEqual(rows, [
                "127.0.0.1:\(k.clientPort) 127.0.0.1:8081 ESTABLISHED", ":::8080 :::* LISTEN",
                "::ffff:127.0.0.1:8081 ::ffff:127.0.0.1:\(k.clientPort) ESTABLISHED",
            ])
            XCTAssertEqual(protocols(netlink.out), ["tcp", "tcp6", "tcp6"])
            XCTAssertEqual(protocols(bb.out), ["tcp", "tcp", "tcp"])
            let udp = try run(k, "toolbox-netstat-uan"), bbUDP = try run(k, "busybox-netstat-uan")
            XCTAssertEqual(udp.code, 0); XCTAssertEqual(udp.err, "")
            XCTAssertEqual(socketRows(udp.out), ["0.0.0.0:5353 0.0.0.0:*"])
            XCTAssertEqual(socketRows(udp.out), socketRows(bbUDP.out))

            // unix: the same table from both sources, but for RefCnt, which
            // sock_diag does not report ("-").
            let ux = try run(k, "toolbox-netstat-xa-netlink"), uxProc = try run(k, "toolbox-netstat-xa-proc")
            let inode = String(k.unixInode).padding(toLength: 9, withPad: " ", startingAt: 0)
            let row = "unix  %@      [ ]         DGRAM                    \(inode)/dev/log\n"
            let head = "Active UNIX domain sockets (servers and established)\nProto RefCnt Flags       Type       State         I-Node   Path\n"
            XCTAssertEqual(ux, RunResult(out: head + row.replacingOccurrences(of: "%@", with: "-"), err: "", code: 0))
            XCTAssertEqual(uxProc, RunResult(out: head + row.replacingOccurrences(of: "%@", with: "2"), err: "", code: 0))
            // busybox right-aligns the inode: the same fields.
            let bbUnix = try run(k, "busybox-netstat-xa")
            XCTAssertEqual(bbUnix.code, 0)
            XCTAssertEqual(bbUnix.out.split(separator: "\n").last?.split(separator: " "), uxProc.out.split(separator: "\n").last?.split(separator: " "))
        }
    }

    /// Before inet_diag/tcp_diag/udp_diag/unix_diag were loaded (Debian
    /// builds them as modules): sock_diag answers ENOENT. Forced netlink
    /// fails with that; auto falls back to /proc/net and says so with -v.
    func testNetlinkWithoutSockDiagModules() throws {
        for k in Self.kernels {
            // Its stdout block was the console's first and was lost behind
            // SeaBIOS's escape sequences (the script now finds markers
            // anywhere in a line): stderr and the exit code only.
            XCTAssertEqual(try text(k, "out/toolbox-netstat-tan-netlink-nomodule.err"), "netstat: netlink: No such file or directory\n")
            XCTAssertEqual(try text(k, "out/toolbox-netstat-tan-netlink-nomodule.rc"), "1\n")
            let auto = try run(k, "toolbox-netstat-tanv-nomodule")
            XCTAssertEqual(auto.code, 0)
            XCTAssertEqual(auto.out, "Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \n")
            XCTAssertEqual(auto.err, """
                netstat: tcp: netlink failed (No such file or directory); read /proc/net/tcp
                netstat: tcp6: netlink failed (No such file or directory); read /proc/net/tcp6
                netstat: from /proc/net: tcp tcp6

                """)
        }
    }

    func testCaps() throws {
        for k in Self.kernels {
            let caps = try run(k, "toolbox-caps")
            XCTAssertEqual(caps.code, 0); XCTAssertEqual(caps.err, "")
            let lines = caps.out.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(lines.first, "this process (pid \(k.capsPid)) (toolbox):")
            XCTAssertEqual(lines.dropFirst().first, "  uid:        0(root)")
            // Every capability this kernel has, by name, the last one that kernel's last.
            let eff = String(k.capEff, radix: 16)
            let line = lines.first { $0.hasPrefix("  CapEff:") }.map(String.init) ?? ""
            XCTAssertTrue(line.hasPrefix("  CapEff:     0x\(String(repeating: "0", count: 16 - eff.count))\(eff)=cap_chown,cap_dac_override,"), line)
            XCTAssertTrue(line.hasSuffix("," + k.lastCaps), line)
            XCTAssertEqual(line.split(separator: ",").count, k.capEff.nonzeroBitCount)
        }
    }
}
