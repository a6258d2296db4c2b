import Foundation
import XCTest

/// `inspect` against a real container (podman --runtime runc): the
/// "unhealthy" app (Tests/Fixtures/e2e/unhealthy.c) run with
/// `--memory 64m --pids-limit 50 --cpus 0.2`, nofile lowered to 64, which
/// allocates 40 MiB, leaks fds, forks and spins. Every figure is compared
/// with the cgroup file it comes from, read by the test on the host.
final class InspectE2ETests: E2ETestCase {
    override class var scenarioName: String { "inspect" }
    override class func start(_ e: E2E, _ s: Scenario) throws {
        let image = try e.buildUnhealthyImage()
        let n = e.name(s, "unhealthy")
        try e.podman.must(["run", "-d", "--name", n, "--network", "none", "--memory", "64m", "--pids-limit", "50",
                           "--cpus", "0.2", "--ulimit", "nofile=64:64", "--ulimit", "nproc=32768:32768",
                           "-e", "DB_PASSWORD=hunter2", "-e", "APP_MODE=debug",
                           image, "--alloc", "40", "--fds", "50", "--forks", "3", "--spin"])
        let pid = try e.podman.must(["inspect", "--format", "{{.State.Pid}}", n]).outString.trimmingCharacters(in: .whitespacesAndNewlines)
        let id = try e.podman.must(["inspect", "--format", "{{.Id}}", n]).outString.trimmingCharacters(in: .whitespacesAndNewlines)
        s.values["appPid"] = pid; s.values["app"] = n; s.values["id"] = id
        // Ready when the listener on 127.0.0.1:9090 (0100007F:2382) is up.
        for _ in 0..<100 {
            if let t = try? String(contentsOfFile: "/proc/\(pid)/net/tcp", encoding: .utf8), t.contains("0100007F:2382 00000000:0000 0A") {
                usleep(1_500_000)   // let the spinner accumulate throttled periods
                return
            }
            usleep(50_000)
        }
        throw E2EError("the unhealthy app \(n) never listened on 127.0.0.1:9090")
    }

    /// A cgroup v1 file of the app, read on the host.
    func cg(_ controller: String, _ file: String) throws -> String {
        try String(contentsOfFile: "/sys/fs/cgroup/\(controller)/libpod_parent/libpod-\(s["id"])/\(file)", encoding: .utf8)
    }
    func cgNumber(_ controller: String, _ file: String) throws -> Double {
        try XCTUnwrap(Double(cg(controller, file).trimmingCharacters(in: .whitespacesAndNewlines)), file)
    }
    func cgKey(_ controller: String, _ file: String, _ key: String) throws -> Double {
        let line = try cg(controller, file).split(separator: "\n").first { $0.hasPrefix(key + " ") }
        return try XCTUnwrap(line.flatMap { Double($0.split(separator: " ")[1]) }, "\(file) \(key)")
    }

    func inspectJSON(_ args: [String] = []) throws -> [String: Any] {
        let r = try runProcess(try toolboxBinary(), ["inspect", "--json"] + args + [s["appPid"]])
        XCTAssertEqual(r.code, 0, r.err)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], r.out)
    }

    func within5(_ got: Double?, _ want: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let got else { return XCTFail("\(what): missing", file: file, line: line) }
        XCTAssertLessThanOrEqual(abs(got - want), want * 0.05, "\(what): \(got) vs \(want)", file: file, line: line)
    }

    func testLimitsAndUseMatchTheCgroupFiles() throws {
        let j = try inspectJSON()
        XCTAssertEqual(j["complete"] as? Bool, true)
        let mem = try XCTUnwrap(j["memory"] as? [String: Any])
        XCTAssertEqual(mem["cgroup_limit_bytes"] as? Int, 64 << 20)
        XCTAssertEqual((mem["cgroup_limit_bytes"] as? NSNumber)?.doubleValue, try cgNumber("memory", "memory.limit_in_bytes"))
        within5((mem["cgroup_usage_bytes"] as? NSNumber)?.doubleValue, try cgNumber("memory", "memory.usage_in_bytes"), "memory usage")
        XCTAssertGreaterThan((mem["cgroup_usage_bytes"] as? NSNumber)?.doubleValue ?? 0, 40 * 1024 * 1024)
        XCTAssertTrue((mem["cgroup_source"] as? String ?? "").contains("(host cgroupfs)"), "\(mem)")
        let rss = (mem["rss_bytes"] as? NSNumber)?.doubleValue ?? 0
        XCTAssertGreaterThan(rss, 40 * 1024 * 1024)

        let cpu = try XCTUnwrap(j["cpu"] as? [String: Any])
        XCTAssertEqual((cpu["quota_cores"] as? NSNumber)?.doubleValue ?? 0, 0.2, accuracy: 1e-9)
        within5((cpu["quota_cores"] as? NSNumber)?.doubleValue,
                try cgNumber("cpu", "cpu.cfs_quota_us") / cgNumber("cpu", "cpu.cfs_period_us"), "quota")
        // Throttling: the spinner is throttled in (nearly) every period.
        let throttled = (cpu["nr_throttled"] as? NSNumber)?.doubleValue ?? 0
        XCTAssertGreaterThan(throttled, 0)
        let after = try cgKey("cpu", "cpu.stat", "nr_throttled")
        XCTAssertLessThanOrEqual(throttled, after)
        XCTAssertGreaterThan((cpu["sample_throttled"] as? NSNumber)?.intValue ?? 0, 0, "\(cpu)")
        // The cgroup uses its whole quota (0.2 CPUs) during the sample.
        within5((cpu["cgroup_rate_cores"] as? NSNumber)?.doubleValue, 0.2, "cgroup CPU rate")

        let lim = try XCTUnwrap(j["limits"] as? [String: Any])
        XCTAssertEqual(lim["pids_max"] as? Int, Int(try cgNumber("pids", "pids.max")))
        XCTAssertEqual(lim["pids_max"] as? Int, 50)
        XCTAssertEqual(lim["pids_current"] as? Int, Int(try cgNumber("pids", "pids.current")))
        let rl = try XCTUnwrap(lim["rlimits"] as? [[String: Any]])
        let nofile = try XCTUnwrap(rl.first { $0["resource"] as? String == "nofile" })
        XCTAssertEqual(nofile["soft"] as? Int, 64); XCTAssertEqual(nofile["hard"] as? Int, 64)
        let fdCount = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(s["appPid"])/fd").count
        XCTAssertEqual(nofile["used"] as? Int, fdCount)
        let fds = try XCTUnwrap(j["fds"] as? [String: Any])
        XCTAssertEqual(fds["total"] as? Int, fdCount)
        let list = try XCTUnwrap(fds["fds"] as? [[String: Any]])
        XCTAssertTrue(list.contains { $0["state"] as? String == "LISTEN" && $0["local"] as? String == "127.0.0.1:9090" }, "\(list)")
        XCTAssertEqual(list.filter { $0["state"] as? String == "ESTABLISHED" }.count, 2)
        XCTAssertGreaterThanOrEqual(list.filter { $0["kind"] as? String == "pipe" }.count, 2)
    }

    /// `podman stats` agrees: memory use and limit within 5% (it prints
    /// SI units, `41.94MB / 67.11MB`), the same pids count.
    func testAgreesWithPodmanStats() throws {
        let j = try inspectJSON(["--interval", "0"])
        let st = try e.podman.must(["stats", "--no-stream", "--format", "{{.MemUsage}}|{{.PIDS}}", s["app"]]).outString
        let f = st.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
        XCTAssertEqual(f.count, 2, st)
        func bytes(_ t: String) -> Double? {
            let t = t.trimmingCharacters(in: .whitespaces)
            for (unit, m) in [("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("B", 1.0)] where t.hasSuffix(unit) { return Double(t.dropLast(unit.count)).map { $0 * m } }
            return nil
        }
        let mem = f[0].components(separatedBy: " / ")
        XCTAssertEqual(mem.count, 2, st)
        let m = try XCTUnwrap(j["memory"] as? [String: Any])
        within5((m["cgroup_usage_bytes"] as? NSNumber)?.doubleValue, try XCTUnwrap(bytes(mem[0]), st), "memory use vs podman stats")
        within5((m["cgroup_limit_bytes"] as? NSNumber)?.doubleValue, try XCTUnwrap(bytes(mem.last!), st), "memory limit vs podman stats")
        XCTAssertEqual((j["limits"] as? [String: Any])?["pids_current"] as? Int, Int(f[1].trimmingCharacters(in: .whitespaces)), st)
    }

    /// top beside inspect: -C shows the app's container id (as ps
    /// --containers); in a debug container sharing the app's pid namespace
    /// the summary shows PID 1's cgroup memory and CPU limits.
    func testTopContainerColumnAndCgroupLimits() throws {
        let host = try runProcess(try toolboxBinary(), ["top", "-b", "-n", "1", "-C", "-w", "-p", s["appPid"]])
        XCTAssertEqual(host.code, 0, host.err)
        XCTAssertTrue(host.out.contains(" \(s["id"].prefix(12)) unhealthy\n"), host.out)
        let r = try tb(["--pid", "container:\(s["app"])"], ["top", "-b", "-n", "1", "-w"])
        XCTAssertEqual(r.code, 0, r.err)
        let line = try XCTUnwrap(lines(r.outString).first { $0.hasPrefix("Cgroup: PID 1 mem ") }, r.outString)
        XCTAssertTrue(line.hasSuffix(" of 64.0 MiB (" + line.split(separator: "(")[1].split(separator: ")")[0] + "), cpu quota 0.20 cores"), line)
        let used = try XCTUnwrap(Double(line.split(separator: " ")[4]), line)
        within5(used * 1048576, try cgNumber("memory", "memory.usage_in_bytes"), "top's cgroup memory")
    }

    /// The text page marks nofile (57 of 64) and the CPU throttling with `!`.
    func testTextHighlightsAbove80Percent() throws {
        let r = try runProcess(try toolboxBinary(), ["inspect", s["appPid"], "limits", "cpu"])
        XCTAssertEqual(r.code, 0, r.err)
        let l = lines(r.out)
        XCTAssertTrue(l.contains { $0.hasPrefix("! nofile          64          64") }, r.out)
        XCTAssertTrue(l.contains { $0.hasPrefix("! throttled") }, r.out)
        XCTAssertTrue(l.contains { $0.hasPrefix("  cgroup pids  ") && $0.contains(" of 50 (") }, r.out)
    }

    func testEnvironmentSecretsMasked() throws {
        let r = try runProcess(try toolboxBinary(), ["inspect", s["appPid"], "env"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("  DB_PASSWORD=****** (7 bytes, masked; --show-secrets shows it)\n"), r.out)
        XCTAssertTrue(r.out.contains("  APP_MODE=debug\n"), r.out)
        XCTAssertFalse(r.out.contains("hunter2"))
        let shown = try runProcess(try toolboxBinary(), ["inspect", "--show-secrets", s["appPid"], "env"])
        XCTAssertTrue(shown.out.contains("  DB_PASSWORD=hunter2\n"), shown.out)
    }

    /// One OOM kill: the app's SIGUSR1 child allocates until the cgroup's
    /// OOM killer kills it; inspect's count follows memory.oom_control.
    func testOOMKillCounted() throws {
        let before = try cgKey("memory", "memory.oom_control", "oom_kill")
        let j0 = try inspectJSON([])
        XCTAssertEqual(((j0["memory"] as? [String: Any])?["oom_kills"] as? NSNumber)?.doubleValue, before)
        try e.podman.must(["kill", "--signal", "USR1", s["app"]])
        var now = before
        for _ in 0..<200 where now == before { usleep(50_000); now = try cgKey("memory", "memory.oom_control", "oom_kill") }
        XCTAssertGreaterThan(now, before, "no OOM kill happened")
        let r = try runProcess(try toolboxBinary(), ["inspect", s["appPid"], "memory"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(lines(r.out).contains("! oom kills    \(Int(now)) (memory.oom_control)"), r.out)
    }

    /// A debug container in the app's pid namespace without CAP_SYS_PTRACE
    /// (podman's default set): environ, smaps_rollup and fd/ by borrowed
    /// identity, the cgroup files through /proc/1/root (its own cgroup
    /// mounts show its own cgroup).
    func testDebugContainerWithoutPtraceBorrows() throws {
        let r = try tb(["--pid", "container:\(s["app"])"], ["inspect", "--json", "--interval", "0.3", "1"])
        XCTAssertEqual(r.code, 0, r.err)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: r.out) as? [String: Any], r.outString)
        let mem = try XCTUnwrap(j["memory"] as? [String: Any])
        XCTAssertEqual(mem["cgroup_limit_bytes"] as? Int, 64 << 20)
        XCTAssertTrue((mem["cgroup_source"] as? String ?? "").hasPrefix("cgroup v1 /proc/1/root/sys/fs/cgroup/memory"), "\(mem)")
        XCTAssertTrue((mem["cgroup_source"] as? String ?? "").hasSuffix("(target root)"), "\(mem)")
        within5((mem["cgroup_usage_bytes"] as? NSNumber)?.doubleValue, try cgNumber("memory", "memory.usage_in_bytes"), "memory usage")
        XCTAssertEqual(mem["smaps_rollup_access"] as? String, "borrowed uid 1000")
        let env = try XCTUnwrap((j["env"] as? [String: Any])?["variables"] as? [String: Any])
        XCTAssertEqual(env["APP_MODE"] as? String, "debug"); XCTAssertEqual(env["DB_PASSWORD"] as? String, "******")
        let fdCount = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(s["appPid"])/fd").count
        XCTAssertEqual((j["fds"] as? [String: Any])?["total"] as? Int, fdCount)
        let lim = try XCTUnwrap(j["limits"] as? [String: Any])
        XCTAssertEqual(lim["pids_max"] as? Int, 50)
    }

    /// Without SETUID/SETGID as well: the ptrace sections explain why and
    /// how to fix it, the others are still printed, exit 1.
    func testDebugContainerWithoutSetuidExplains() throws {
        let r = try tb(["--pid", "container:\(s["app"])", "--cap-drop", "SETUID", "--cap-drop", "SETGID"],
                       ["inspect", "--interval", "0", "1"])
        XCTAssertEqual(r.code, 1, r.err)
        let out = r.outString
        let why = "permission denied: process 1 runs as uid 1000, this container runs as uid 0 without cap_sys_ptrace and without cap_setuid; add SYS_PTRACE (kubectl debug --profile=general, or --custom with securityContext.capabilities.add) or run the debug container as uid 1000"
        XCTAssertTrue(out.contains("  environ: cannot read: /proc/1/environ: \(why)\n"), out)
        XCTAssertTrue(out.contains("  fds: cannot read: /proc/1/fd: \(why)\n"), out)
        for section in ["identity", "memory", "cpu", "limits", "fds", "env", "mounts", "security"] {
            XCTAssertTrue(lines(out).contains(section), "section \(section) missing:\n\(out)")
        }
        // The debugger's own cgroup mounts show its own cgroup; the app's
        // are only under /proc/1/root, which needs the same access.
        XCTAssertTrue(out.contains("  cgroup pids: cannot read: /proc/1/root: \(why)\n"), out)
        XCTAssertTrue(out.contains("  nofile          64          64"), out)
    }
}

extension E2E {
    /// The unhealthy app image (static, uid 1000, FROM scratch), built once.
    func buildUnhealthyImage() throws -> String {
        let image = "localhost/\(prefix)-unhealthy:latest"
        let ctx = work.appendingPathComponent("unhealthy-context").path
        if (try? podman(["image", "exists", image]))?.code == 0 { return image }
        try FileManager.default.createDirectory(atPath: ctx + "/rootfs/app", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ctx + "/rootfs/etc", withIntermediateDirectories: true)
        let cc = try runRaw("gcc", ["-static", "-O2", "-Wall", "-o", ctx + "/rootfs/app/unhealthy", fixturePath("e2e/unhealthy.c")])
        guard cc.code == 0 else { throw E2EError("gcc -static unhealthy.c failed (exit \(cc.code)):\n\(cc.err)") }
        try Data(AppFiles.passwd.utf8).write(to: URL(fileURLWithPath: ctx + "/rootfs/etc/passwd"))
        try Data(AppFiles.group.utf8).write(to: URL(fileURLWithPath: ctx + "/rootfs/etc/group"))
        try "FROM scratch\nCOPY rootfs/ /\nUSER 1000:1000\nENTRYPOINT [\"/app/unhealthy\"]\n"
            .write(toFile: ctx + "/Containerfile", atomically: true, encoding: .utf8)
        try podman.must(["build", "-q", "--layers=false", "--label", "toolbox-e2e.run=\(prefix)", "-f", ctx + "/Containerfile", "-t", image, ctx])
        return image
    }
}
