import Foundation
import ToolboxCore
import XCTest

/// The pure parsers behind `inspect` on captured fixtures (Tests/Fixtures/
/// limits, smaps_rollup, mountinfo, environ, cgroup; labelled with the
/// kernel they came from) and named edge cases.
final class InspectFormatsTests: XCTestCase {
    let k = "6.18.44-fc-v782"

    /// /proc/stat's cpu line, then one per CPU (top's key 1); intr and
    /// other lines ignored; `parse` stops at the aggregate line.
    func testProcStatPerCPU() {
        let text = "cpu  10 1 20 300 4 0 5 0 0 0\ncpu0 6 1 12 150 2 0 3 0 0 0\ncpu1 4 0 8 150 2 0 2 0 0 0\nintr 1 2 3\ncpuX 9\n"
        let all = withBytes(Array(text.utf8)) { CpuTimes.parseAll($0) }
        XCTAssertEqual(all.map { $0.user }, [10, 6, 4])
        XCTAssertEqual(all.map { $0.idle }, [300, 150, 150])
        XCTAssertEqual(all[2].softirq, 2)
        XCTAssertEqual(withBytes(Array(text.utf8)) { CpuTimes.parse($0) }?.total, 340)
        XCTAssertEqual(withBytes(Array("cpu0 1 2 3 4\n".utf8)) { CpuTimes.parseAll($0) }, [], "no aggregate line first: nothing")
    }

    func testLimitsCaptured() throws {
        let l = try withBytes(fixtureBytes("limits/\(k)-self.txt")) { PidLimits.parse($0) }
        XCTAssertEqual(l.limits.count, 16)
        XCTAssertEqual(l.limits.map(\.name), PidLimits.kernelNames.map(\.proc))
        XCTAssertEqual(l.limit("Max open files"), .init(name: "Max open files", soft: 20000, hard: 20000, unit: "files"))
        XCTAssertEqual(l.limit("Max stack size"), .init(name: "Max stack size", soft: 8388608, hard: nil, unit: "bytes"))
        // No unit column.
        XCTAssertEqual(l.limit("Max nice priority"), .init(name: "Max nice priority", soft: 0, hard: 0, unit: ""))
        let app = try withBytes(fixtureBytes("limits/\(k)-podman-app.txt")) { PidLimits.parse($0) }
        XCTAssertEqual(app.limit("Max processes")?.soft, 32768)
    }

    func testLimitsGarbageAndTruncated() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 ab                   files\nMax cpu time              unlimited\nMax core file size        0                    unlimited            bytes"
        let l = withBytes(Array(text.utf8)) { PidLimits.parse($0) }
        XCTAssertEqual(l.limits, [.init(name: "Max core file size", soft: 0, hard: nil, unit: "bytes")])
    }

    func testSmapsRollupCaptured() throws {
        let r = try XCTUnwrap(withBytes(fixtureBytes("smaps_rollup/\(k)-self.txt")) { SmapsRollup.parse($0) })
        XCTAssertEqual(r.rss, 1712); XCTAssertEqual(r.pss, 188); XCTAssertEqual(r.swap, 0); XCTAssertEqual(r.swapPss, 0)
        XCTAssertEqual(r.kB("Pss_Anon"), 112)
        XCTAssertEqual(r.fields.count, 22)
        XCTAssertNil(withBytes(Array("garbage\nno colon here\n".utf8)) { SmapsRollup.parse($0) })
    }

    func testStatusDetails() throws {
        let d = try withBytes(fixtureBytes("status/linux-6.18-uid1000.status")) { PidStatusDetails.parse($0) }
        let text = try String(contentsOfFile: fixturePath("status/linux-6.18-uid1000.status"), encoding: .utf8)
        func want(_ key: String) -> UInt64? {
            text.split(separator: "\n").first { $0.hasPrefix(key + ":") }.flatMap { l in
                l.split(separator: ":")[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { UInt64($0.split(separator: "/")[0]) } }
        }
        XCTAssertEqual(d.vmRSS, want("VmRSS")); XCTAssertEqual(d.vmHWM, want("VmHWM")); XCTAssertEqual(d.vmStk, want("VmStk"))
        XCTAssertEqual(d.vmSwap, want("VmSwap")); XCTAssertEqual(d.fdSize, want("FDSize")); XCTAssertEqual(d.sigQueued, want("SigQ"))
        XCTAssertEqual(d.seccompFilters, want("Seccomp_filters"))
        XCTAssertNotNil(d.vmRSS)
        // A kernel thread: no Vm lines.
        let kt = withBytes(Array("Name:\tkthreadd\nState:\tS (sleeping)\nThreads:\t1\n".utf8)) { PidStatusDetails.parse($0) }
        XCTAssertNil(kt.vmRSS); XCTAssertNil(kt.vmSwap)
    }

    func testEnvironCaptured() throws {
        let e = try withBytes(fixtureBytes("environ/\(k)-env-i.bin")) { Environ.parse($0) }
        XCTAssertEqual(e.variables.map(\.nameString), ["HOME", "PATH", "DB_PASSWORD", "WEIRD", "EMPTY"])
        XCTAssertEqual(e.variables[3].valueString, "a=b")      // split at the first '='
        XCTAssertEqual(e.variables[4].valueString, ""); XCTAssertTrue(e.variables[4].hasValue)
    }

    func testEnvironEdgeCases() {
        // No final NUL, an entry without '=', empty entries, invalid UTF-8 kept as bytes.
        let e = withBytes([0x41, 0x3D, 0x31, 0, 0, 0x4E, 0x4F, 0x45, 0x51, 0, 0x42, 0x3D, 0xFF]) { Environ.parse($0) }
        XCTAssertEqual(e.variables, [.init(name: [0x41], value: [0x31]), .init(name: Array("NOEQ".utf8), value: [], hasValue: false),
                                     .init(name: [0x42], value: [0xFF])])
    }

    func testMountInfoCaptured() throws {
        let m = try withBytes(fixtureBytes("mountinfo/\(k)-podman-app.txt")) { MountInfo.parse($0) }
        let text = try String(contentsOfFile: fixturePath("mountinfo/\(k)-podman-app.txt"), encoding: .utf8)
        XCTAssertEqual(m.mounts.count, text.split(separator: "\n").count)
        let root = try XCTUnwrap(m.mounts.first { $0.mountPoint == "/" })
        XCTAssertEqual(root.fsType, "overlay")
        let mem = try XCTUnwrap(m.mounts.first { $0.mountPoint == "/sys/fs/cgroup/memory" })
        XCTAssertEqual(mem.fsType, "cgroup"); XCTAssertTrue(mem.readOnly)
        XCTAssertTrue(mem.superOptions.split(separator: ",").contains("memory"))
        XCTAssertTrue(mem.root.hasPrefix("/libpod_parent/libpod-"))
        let hosts = try XCTUnwrap(m.mounts.first { $0.mountPoint == "/etc/hosts" })
        XCTAssertEqual(VolumeKind.classify(path: hosts.root, fsType: hosts.fsType, mountPoint: hosts.mountPoint), .runtimeFile)
    }

    func testMountInfoEscapesAndOptionalFields() throws {
        let line = #"36 35 98:0 /mnt\0401 /a\011b\134c rw,noatime master:1 shared:2 - ext3 /dev/my\040disk ro,errors=continue"#
        let m = try XCTUnwrap(withBytes(Array(line.utf8)) { MountInfo.parseLine($0) })
        XCTAssertEqual(m.root, "/mnt 1"); XCTAssertEqual(m.mountPoint, "/a\tb\\c"); XCTAssertEqual(m.source, "/dev/my disk")
        XCTAssertEqual(m.optionalFields, ["master:1", "shared:2"]); XCTAssertEqual(m.major, 98); XCTAssertEqual(m.minor, 0)
        XCTAssertFalse(m.readOnly); XCTAssertTrue(m.superReadOnly)
        // Truncated before the separator, and a bad escape at the end.
        XCTAssertNil(withBytes(Array("36 35 98:0 / /x rw master:1".utf8)) { MountInfo.parseLine($0) })
        XCTAssertEqual(withBytes(Array(#"ab\04"#.utf8)) { MountInfo.unescape($0) }, #"ab\04"#)
    }

    func testKubernetesVolumeKinds() {
        let pod = "/var/lib/kubelet/pods/0b5e7a34-7c2a-4e59-9a53-0c0b5e7a3411"
        let cases: [(String, String, String, VolumeKind)] = [
            ("\(pod)/volumes/kubernetes.io~configmap/cfg", "ext4", "/etc/app", .configMap),
            ("\(pod)/volumes/kubernetes.io~secret/token", "tmpfs", "/var/run/secrets/x", .secret),
            ("\(pod)/volumes/kubernetes.io~projected/kube-api-access-abc", "tmpfs", "/var/run/secrets/kubernetes.io/serviceaccount", .projected),
            ("\(pod)/volumes/kubernetes.io~empty-dir/cache", "ext4", "/cache", .emptyDir),
            ("\(pod)/volumes/kubernetes.io~csi/pvc-123/mount", "ext4", "/data", .persistentVolume),
            ("/lib/kubelet/pods/x/volume-subpaths/pvc/app/0", "xfs", "/data/sub", .persistentVolume),
            ("\(pod)/etc-hosts", "ext4", "/etc/hosts", .kubeletFile),
            ("/srv/logs", "ext4", "/logs", .hostPath),
            ("/", "overlay", "/", .rootfs),
            ("/", "proc", "/proc", .kernel),
            ("/null", "devtmpfs", "/proc/kcore", .masked),
        ]
        for (path, fs, mp, want) in cases {
            XCTAssertEqual(VolumeKind.classify(path: path, fsType: fs, mountPoint: mp), want, path)
        }
    }

    func testCgroupValues() throws {
        func v(_ f: String) throws -> CgroupValue? { try withBytes(fixtureBytes("cgroup/\(f)")) { CgroupValue.parse($0) } }
        XCTAssertEqual(try v("\(k)-podman-v1-memory.limit_in_bytes"), .value(64 << 20))
        XCTAssertEqual(try v("\(k)-v1-memory.limit_in_bytes"), .unlimited)      // 9223372036854771712
        XCTAssertEqual(try v("\(k)-v1-cpu.cfs_quota_us"), .unlimited)            // -1
        XCTAssertEqual(try v("\(k)-podman-v1-cpu.cfs_quota_us"), .value(20000))
        XCTAssertEqual(try v("\(k)-podman-v1-cpu.cfs_period_us"), .value(100000))
        XCTAssertEqual(try v("\(k)-podman-v1-pids.max"), .value(50))
        XCTAssertEqual(try v("\(k)-v1-pids.max"), .unlimited)
        XCTAssertNotNil(try v("\(k)-podman-v1-memory.usage_in_bytes")?.number)
        XCTAssertEqual(try v("v2-synthetic-memory.max"), .unlimited)
        XCTAssertEqual(try v("v2-synthetic-memory.max-64m"), .value(67108864))
        XCTAssertEqual(try v("v2-synthetic-pids.current"), .value(7))
        for bad in ["", "12 13", "abc", "-2"] { XCTAssertNil(withBytes(Array(bad.utf8)) { CgroupValue.parse($0) }, bad) }
    }

    func testCgroupKeyedAndCpuMax() throws {
        func keyed(_ f: String) throws -> CgroupKeyed { try withBytes(fixtureBytes("cgroup/\(f)")) { CgroupKeyed.parse($0) } }
        let oom = try keyed("\(k)-podman-v1-memory.oom_control")
        XCTAssertEqual(oom.keys, ["oom_kill_disable", "under_oom", "oom_kill"])
        let v1cpu = try keyed("\(k)-podman-v1-cpu.stat")
        XCTAssertNotNil(v1cpu["nr_throttled"]); XCTAssertNotNil(v1cpu["throttled_time"])
        XCTAssertGreaterThan(v1cpu["nr_throttled"]!, 0)       // captured while a child spun at --cpus 0.2
        let v2root = try keyed("\(k)-v2-cpu.stat")
        XCTAssertEqual(v2root.keys, ["usage_usec", "user_usec", "system_usec", "nice_usec"]); XCTAssertNil(v2root["nr_periods"])
        let ev = try keyed("v2-synthetic-memory.events")
        XCTAssertEqual(ev["oom_kill"], 2); XCTAssertEqual(ev["max"], 1523); XCTAssertNil(ev["nope"])
        let m = try XCTUnwrap(withBytes(fixtureBytes("cgroup/v2-synthetic-cpu.max")) { CpuMax.parse($0) })
        XCTAssertEqual(m.quotaMicros, 20000); XCTAssertEqual(m.cores ?? 0, 0.2, accuracy: 1e-9)
        let u = try XCTUnwrap(withBytes(fixtureBytes("cgroup/v2-synthetic-cpu.max-unlimited")) { CpuMax.parse($0) })
        XCTAssertNil(u.quotaMicros); XCTAssertNil(u.cores)
        XCTAssertNil(withBytes(Array("20000\n".utf8)) { CpuMax.parse($0) })
    }

    func testProcPidCgroupHybrid() throws {
        let c = try withBytes(fixtureBytes("cgroup/\(k)-podman-v1-proc-pid-cgroup")) { PidCgroup.parse($0) }
        XCTAssertEqual(c.entries.count, 10)
        XCTAssertEqual(c.v1("memory")?.hierarchy, 4)
        XCTAssertTrue(c.v1("memory")?.path.hasPrefix("/libpod_parent/libpod-") ?? false)
        XCTAssertEqual(c.v2?.path, c.v1("memory")?.path)
        XCTAssertEqual(c.v1("name=systemd")?.hierarchy, 9)
        XCTAssertNil(c.v1("hugetlb"))
        let v2only = withBytes(Array("0::/kubepods.slice/x.scope\n".utf8)) { PidCgroup.parse($0) }
        XCTAssertEqual(v2only.entries.count, 1); XCTAssertNil(v2only.v1("memory"))
        XCTAssertEqual(withBytes(Array("garbage\n4:memory\nx:cpu:/a\n".utf8)) { PidCgroup.parse($0) }.entries.count, 0)
    }
}
