import Foundation
import ToolboxCore
import XCTest

// MARK: - Parsers on captured fixtures

final class MountinfoMeminfoParserTests: XCTestCase {
    let kernel = "6.18.44-fc-v782"

    func testMountinfoFieldsAndEscapes() throws {
        let b = try fixtureBytes("mountinfo/\(kernel)/mountinfo")
        let mounts = withBytes(b) { MountInfo.parse($0).mounts }
        XCTAssertEqual(mounts.count, 25)
        let root = try XCTUnwrap(mounts.first { $0.mountPoint == "/" })
        XCTAssertEqual(root.fsType, "ext4")
        XCTAssertEqual(root.source, "/dev/vda")
        XCTAssertEqual(root.major, 254); XCTAssertEqual(root.minor, 0)
        XCTAssertEqual(root.root, "/")
        XCTAssertEqual(root.superOptions, "rw,discard,resv_strict,resuid=65534,resgid=65534")
        // \040 in the source and mount point; optional tags (shared:N) before the separator.
        let spaced = mounts.filter { $0.mountPoint == "/tmp/tb mnt" }
        XCTAssertEqual(spaced.count, 2)
        XCTAssertEqual(spaced[0].source, "src with space")
        XCTAssertEqual(spaced[0].fsType, "tmpfs")
        XCTAssertEqual(spaced[1].root, "/tmp")                  // the bind mount
        XCTAssertEqual(spaced[1].parent, spaced[0].id)
        let netns = try XCTUnwrap(mounts.first { $0.mountPoint == "/run/netns" })
        XCTAssertEqual(netns.root, "/run/netns")
        XCTAssertEqual(netns.fsType, "ext4")
    }

    func testMalformedLinesAreSkipped() {
        let text = Array("garbage\n1 2 3:4 / /x rw - \n36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n\\\n".utf8)
        let m = withBytes(text) { MountInfo.parse($0).mounts }
        XCTAssertEqual(m.count, 1)
        XCTAssertEqual(m[0].mountPoint, "/mnt2")
        XCTAssertEqual(m[0].root, "/mnt1")
        XCTAssertEqual(m[0].source, "/dev/root")
    }

    func testMeminfo() throws {
        let m = withBytes(try fixtureBytes("meminfo/\(kernel)/meminfo")) { Meminfo.parse($0) }
        XCTAssertEqual(m["MemTotal"], 24683656)
        XCTAssertEqual(m["SwapTotal"], 0)
        XCTAssertNotNil(m["MemAvailable"])
        XCTAssertNotNil(m["SReclaimable"])
        XCTAssertNotNil(m["HugePages_Total"])        // a count, no unit
        XCTAssertNil(m["NoSuchKey"])
        XCTAssertEqual(withBytes(Array("MemTotal: x kB\nMemFree:  12 kB\n:3\n".utf8)) { Meminfo.parse($0) }.values, ["MemFree": 12])
    }

    func testCgroupMemoryDirectories() throws {
        let b = try fixtureBytes("mountinfo/\(kernel)/mountinfo")
        let mounts = withBytes(b) { MountInfo.parse($0).mounts }
        let cgroup = String(decoding: try fixtureBytes("mountinfo/\(kernel)/cgroup"), as: UTF8.self)
        // Hybrid: the v2 hierarchy has no memory files for this group; v1 memory does.
        let dirs = cgroupMemoryDirectories(cgroupFile: cgroup, mounts: mounts)
        XCTAssertEqual(dirs.map(\.path), ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory/process_api/becdef5cd204ece6d24a30a64c4c3b7d"])
        XCTAssertEqual(dirs.map(\.v2), [true, false])
        // Pure v2 inside a cgroup namespace whose mount root is the container's group
        // (named edge case, written by hand: a Kubernetes pod on a v2 node).
        let v2 = withBytes(Array("30 25 0:26 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n".utf8)) { MountInfo.parse($0).mounts }
        XCTAssertEqual(cgroupMemoryDirectories(cgroupFile: "0::/\n", mounts: v2).map(\.path), ["/sys/fs/cgroup"])
        // A v1 mount whose root is the group itself (docker): the relative path is empty.
        let v1 = withBytes(Array("40 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n".utf8)) { MountInfo.parse($0).mounts }
        XCTAssertEqual(cgroupMemoryDirectories(cgroupFile: "4:memory:/docker/abc\n", mounts: v1).map(\.path), ["/sys/fs/cgroup/memory"])
        XCTAssertEqual(cgroupMemoryDirectories(cgroupFile: "4:memory:/elsewhere\n", mounts: v1).count, 0)
    }
}

// MARK: - Live, against procps and coreutils

/// Numbers in a line, and the line with numbers blanked (its structure).
private func numbers(_ s: Substring) -> [Double] { s.split(separator: " ").compactMap { Double($0.replacingOccurrences(of: ",", with: "")) } }

/// uptime and free against procps: identical layout, values within a tight tolerance.
final class UptimeFreeDifferentialTests: XCTestCase {
    func testUptime() throws {
        for args in [["-p"], ["-s"], []] {
            var matched = false
            for _ in 0..<5 {
                let (real, ours) = try runBoth("uptime", args)
                if real.out == ours.out && real.code == ours.code { matched = true; break }
                // Load averages change every 5 s; the clock every second: same layout, close values.
                XCTAssertEqual(ours.out.count, real.out.count, "\(args): \(real.out) vs \(ours.out)")
                let (a, b) = (numbers(Substring(real.out.split(separator: "average:").last ?? "")),
                              numbers(Substring(ours.out.split(separator: "average:").last ?? "")))
                XCTAssertEqual(a.count, b.count)
                for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 0.3) }
                Thread.sleep(forTimeInterval: 0.3)
            }
            XCTAssertTrue(matched, "uptime \(args) never matched procps exactly in 5 tries")
        }
    }

    func testFreeLayoutAndValues() throws {
        for args in [[], ["-b"], ["-k"], ["-m"], ["-g"], ["-h"], ["-w"], ["-t"], ["-hw"], ["-l"], ["-ht"], ["-b", "-w", "-t"]] {
            let (real, ours) = try runBoth("free", args)
            // procps again right after: toolbox's figures must lie between the two runs (within the tolerance).
            let after = try runProcess(try which("free"), args, environment: ["LC_ALL": "C"])
            XCTAssertEqual(ours.code, real.code, "\(args)")
            XCTAssertEqual(ours.err, real.err, "\(args)")
            let r = real.out.split(separator: "\n", omittingEmptySubsequences: false)
            let r2 = after.out.split(separator: "\n", omittingEmptySubsequences: false)
            let o = ours.out.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Cgroup:") }
            XCTAssertEqual(o.count, r.count, "\(args)\n\(real.out)\n\(ours.out)")
            for (k, (x, y)) in zip(r, o).enumerated() {
                // Same labels and column ends; each number between procps's two readings, give or take 0.5% + 16 MiB.
                XCTAssertEqual(x.count, y.count, "\(args): '\(x)' vs '\(y)'")
                XCTAssertEqual(x.prefix(9), y.prefix(9))
                let (a, b) = (numbers(x.dropFirst(9)), numbers(y.dropFirst(9)))
                let c = k < r2.count ? numbers(r2[k].dropFirst(9)) : a
                XCTAssertEqual(a.count, b.count)
                let unit: Double = args.contains("-b") ? 1 : args.contains("-m") ? 1024 * 1024 : args.contains("-g") ? 1073741824 : 1024
                for (i, (p, q)) in zip(a, b).enumerated() {
                    let other = i < c.count ? c[i] : p
                    let slack = max(p, other) * 0.005 + 16 * 1024 * 1024 / unit + 1
                    XCTAssertTrue(q >= min(p, other) - slack && q <= max(p, other) + slack, "\(args): \(x) vs \(y)")
                }
            }
        }
    }

    func testUsageErrors() throws {
        // procps prints its whole usage text; the status and the first message line agree.
        for (tool, args) in [("free", ["x"]), ("free", ["-z"]), ("uptime", ["x"]), ("uptime", ["-z"])] {
            let (real, ours) = try runBoth(tool, args)
            XCTAssertEqual(ours.code, real.code, "\(tool) \(args)")
            XCTAssertEqual(ours.out, real.out)
            XCTAssertFalse(ours.err.isEmpty)
            if let first = real.err.split(separator: "\n").first, first.hasPrefix(tool + ":") {
                XCTAssertEqual(ours.err.split(separator: "\n").first, first)
            }
        }
    }

    /// The extra line: run free inside a v1 memory cgroup with a 300 MiB limit that the test creates.
    func testCgroupLimitLine() throws {
        let cgroup = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let mounts = withBytes(Array(try Data(contentsOf: URL(fileURLWithPath: "/proc/self/mountinfo")))) { MountInfo.parse($0).mounts }
        let v1 = try XCTUnwrap(cgroupMemoryDirectories(cgroupFile: cgroup, mounts: mounts).first { !$0.v2 }, "no v1 memory cgroup here")
        let dir = v1.path + "/tb-free-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { _ = rmdir(dir) }
        try "314572800".write(toFile: dir + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
        let bin = try toolboxBinary()
        let r = try runProcess("/bin/sh", ["-c", "echo $$ > '\(dir)/cgroup.procs' && exec '\(bin)' free -b"])
        XCTAssertEqual(r.code, 0, r.err)
        let line = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("Cgroup:") }, r.out)
        let v = numbers(line.dropFirst(9))
        XCTAssertEqual(v.count, 3)
        XCTAssertEqual(v[0], 314572800)
        XCTAssertEqual(v[0] - v[1], v[2])
        XCTAssertGreaterThan(v[1], 0)
        // The group's peak usage bounds what free saw while running in it.
        let peak = Double(try String(contentsOfFile: dir + "/memory.max_usage_in_bytes", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertLessThanOrEqual(v[1], peak)
        XCTAssertTrue(line.hasPrefix("Cgroup:    314572800 "), String(line))
        // Outside a limited group there is no such line.
        XCTAssertFalse(try runProcess(bin, ["free"]).out.contains("Cgroup:"))
    }
}

/// df against GNU df: in a private mount namespace with tmpfs mounts of known
/// size the test creates (stable values), and on the live table with a tolerance.
final class DfDifferentialTests: XCTestCase {
    func testPrivateMountsMatchExactly() throws {
        let dir = try makeTemporaryDirectory("tb-df")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bin = try toolboxBinary()
        let df = try which("df")
        let script = """
        set -e
        mount --make-rprivate /
        # /dev/shm is the host's: anything writing there between the two df
        # runs changed its Used column. A private empty one is still.
        mount -t tmpfs -o size=1m tbshm /dev/shm
        mkdir -p '\(dir)/a' '\(dir)/b c' '\(dir)/bind'
        mount -t tmpfs -o size=10m,nr_inodes=1000 tbsrc1 '\(dir)/a'
        mount -t tmpfs -o size=3m tb\\ src2 '\(dir)/b c'
        head -c 1234567 /dev/zero > '\(dir)/a/file'
        mount --bind '\(dir)/a' '\(dir)/bind'
        set +e
        for args in "-t tmpfs" "-t tmpfs -h" "-t tmpfs -T" "-t tmpfs -i" "-t tmpfs -hi" "-t tmpfs -P" "-t tmpfs -k" "-t tmpfs -hT" \
                    "-a -t tmpfs" "\(dir)/a/file" "-T \(dir)/bind" "-i \(dir)/b\\ c" "/nonexistent" "-x ext4 -x overlay -x tmpfs"; do
          eval "df $args" > '\(dir)/real' 2>&1; echo "rc=$?" >> '\(dir)/real'
          eval "'\(bin)' df $args" > '\(dir)/ours' 2>&1; echo "rc=$?" >> '\(dir)/ours'
          echo "== $args"; cmp -s '\(dir)/real' '\(dir)/ours' && echo same || { diff '\(dir)/real' '\(dir)/ours' || true; }
        done
        """
        let r = try runProcess(try which("unshare"), ["-m", "/bin/bash", "-c", script], environment: ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        XCTAssertEqual(r.code, 0, r.err)
        let blocks = r.out.components(separatedBy: "== ").dropFirst()
        XCTAssertEqual(blocks.count, 14, r.out)
        for b in blocks { XCTAssertTrue(b.hasSuffix("\nsame\n"), b) }
        XCTAssertTrue(r.out.contains("-t tmpfs -hT\nsame"), r.out)
    }

    func testLiveTableSameRowsAndLayout() throws {
        for args in [[], ["-a"], ["-T"], ["-i"], ["-h"], ["-aT"]] {
            let (real, ours) = try runBoth("df", args)
            XCTAssertEqual(ours.code, real.code)
            let r = real.out.split(separator: "\n"), o = ours.out.split(separator: "\n")
            XCTAssertEqual(o.count, r.count, "df \(args)\n\(real.out)\n\(ours.out)")
            for (x, y) in zip(r, o) {
                // The same file systems and mount points; sizes of busy file systems may move by a few MiB.
                let xs = x.split(separator: " "), ys = y.split(separator: " ")
                XCTAssertEqual(xs.first, ys.first); XCTAssertEqual(xs.last, ys.last)
                XCTAssertEqual(xs.count, ys.count, "\(x) vs \(y)")
                for (p, q) in zip(numbers(x), numbers(y)) { XCTAssertEqual(p, q, accuracy: max(p * 0.001, 65536), "\(x) vs \(y)") }
            }
        }
    }
}

/// du against GNU du on a tree the test builds: hard links, symlinks, sparse files, nesting.
final class DuDifferentialTests: XCTestCase {
    func testTree() throws {
        let dir = try makeTemporaryDirectory("tb-du")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setup = """
        set -e; cd '\(dir)'
        mkdir -p a/b/c d 'e f' deep
        head -c 5000 /dev/urandom > a/f1; head -c 100000 /dev/urandom > a/b/f2
        ln a/b/f2 d/hard; ln -s ../a d/link; truncate -s 10M d/sparse; : > a/b/c/empty
        head -c 3 /dev/zero > 'e f/sp ace'; head -c 70000 /dev/zero > 'e f/z'
        p=deep; for i in $(seq 1 60); do p=$p/n$i; done; mkdir -p $p; echo x > $p/leaf
        """
        XCTAssertEqual(try sh(setup).code, 0)
        let cases: [[String]] = [
            [], ["-a"], ["-s"], ["-sh"], ["-ah"], ["-c", "a", "d"], ["-d", "1"], ["-d", "0", "."], ["-b"], ["-ab"],
            ["--apparent-size", "-a"], ["-m"], ["-k"], ["-x"], ["a/b/f2", "d"], ["d", "a"], ["-a", "./"], ["nonexistent"],
            ["-as"], ["-s", "-d", "1"], [dir], ["d/link"], ["-ah", "--apparent-size"], ["-c", "-s", "a", "a/b", "d"],
            ["-hc", "d", "e f"], ["-d", "3", "deep"], ["-sb", "deep"],
        ]
        for args in cases { try assertSameAsReal("du", args, currentDirectory: dir) }
    }

    func testUnreadableDirectory() throws {
        let dir = try makeTemporaryDirectory("tb-du-perm")
        defer { _ = try? sh("chmod -R u+rwx '\(dir)'"); try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try sh("cd '\(dir)' && mkdir -p x/locked/in && echo hi > x/locked/in/f && chmod 000 x/locked && chown -R nobody '\(dir)'").code, 0)
        let setpriv = try which("setpriv")
        let real = try runProcess(setpriv, ["--reuid", "65534", "--regid", "65534", "--clear-groups", try which("du"), "x"], environment: ["LC_ALL": "C"], currentDirectory: dir)
        let ours = try runProcess(setpriv, ["--reuid", "65534", "--regid", "65534", "--clear-groups", try toolboxBinary(), "du", "x"], environment: ["LC_ALL": "C"], currentDirectory: dir)
        XCTAssertEqual(ours.out, real.out)
        XCTAssertEqual(ours.err, real.err.replacingOccurrences(of: try which("du") + ":", with: "du:"))
        XCTAssertEqual(ours.code, real.code)
        XCTAssertEqual(real.code, 1)
    }

    /// Under /proc/PID/root, du reads the target's own mount namespace: a tmpfs
    /// mounted only there, compared with GNU du run inside it (nsenter).
    func testConfinedUnderProcRoot() throws {
        let dir = try makeTemporaryDirectory("tb-du-ns")
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: dir + ".ready") }
        let target = Process()
        target.executableURL = URL(fileURLWithPath: try which("unshare"))
        target.arguments = ["-m", "/bin/sh", "-c", """
            mount --make-rprivate / && mount -t tmpfs tbns '\(dir)' && mkdir -p '\(dir)/sub/deeper' && \
            head -c 50000 /dev/zero > '\(dir)/f' && head -c 9000 /dev/zero > '\(dir)/sub/g' && ln -s / '\(dir)/sub/abs' && \
            ln '\(dir)/f' '\(dir)/sub/hard' && touch '\(dir).ready' && exec sleep 60
            """]
        try target.run()
        defer { kill(target.processIdentifier, SIGKILL); target.waitUntilExit() }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: dir + ".ready") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let pid = target.processIdentifier
        let real = try runProcess(try which("nsenter"), ["-t", String(pid), "-m", try which("du"), "-a", dir], environment: ["LC_ALL": "C"])
        let ours = try runProcess(try toolboxBinary(), ["du", "-a", "/proc/\(pid)/root\(dir)"])
        XCTAssertEqual(real.code, 0, real.err)
        XCTAssertTrue(real.out.contains("/sub/g\n"), real.out)       // the namespace's tmpfs, not the host's empty dir
        XCTAssertEqual(ours.out, real.out.replacingOccurrences(of: "\t" + dir, with: "\t/proc/\(pid)/root" + dir))
        XCTAssertEqual(ours.err, "")
        XCTAssertEqual(ours.code, 0)
        // The host's directory (under the namespace's tmpfs) is empty: what GNU du says there too.
        let hostOurs = try runProcess(try toolboxBinary(), ["du", "-a", dir]), hostReal = try runProcess(try which("du"), ["-a", dir])
        XCTAssertEqual(hostOurs.out, hostReal.out)
        XCTAssertEqual(hostOurs.out.split(separator: "\n").count, 1)
    }

    /// A tree 3000 levels deep with 256 descriptors: counted whole, as GNU
    /// du does (the one directory walker keeps a few directories open).
    func testDeepTreeIsBoundedNotRecursive() throws {
        let dir = try makeTemporaryDirectory("tb-du-deep")
        defer { _ = try? sh("rm -rf '\(dir)'") }
        XCTAssertEqual(try sh("cd '\(dir)' && python3 -c \"import os\nfor i in range(3000):\n os.mkdir('d'); os.chdir('d')\"").code, 0)
        let r = try runProcess("/bin/sh", ["-c", "ulimit -n 256; exec '\(try toolboxBinary())' du -s '\(dir)'"])
        let gnu = try runProcess("/bin/sh", ["-c", "ulimit -n 256; exec du -s '\(dir)'"])
        XCTAssertEqual(r, RunResult(out: gnu.out, err: "", code: 0))
        XCTAssertTrue(r.out.hasSuffix("\t\(dir)\n"), r.out)
    }

    /// Sizes a container controls (sparse files of 2^63-1 bytes) add up past
    /// 2^64: GNU saturates and prints `Infinity`; toolbox must not trap.
    func testHugeSparseSizesSaturateAsGNU() throws {
        // tmpfs: files of 2^63-1 bytes (ext4 and overlay refuse them).
        let dir = "/dev/shm/tb-du-huge-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { _ = try? sh("rm -rf '\(dir)'") }
        XCTAssertEqual(try sh("cd '\(dir)' && mkdir d && truncate -s 9223372036854775807 d/a d/b d/c").code, 0)
        for args in [["--apparent-size", "-b", "d"], ["--apparent-size", "d"], ["--apparent-size", "-a", "d"], ["-b", "d"], ["--apparent-size", "-c", "d", "d/a"]] {
            let r = try runProcess(try toolboxBinary(), ["du"] + args, currentDirectory: dir)
            let gnu = try runProcess(try which("du"), args, currentDirectory: dir)
            XCTAssertEqual(r, gnu, args.joined(separator: " "))
        }
    }

}
