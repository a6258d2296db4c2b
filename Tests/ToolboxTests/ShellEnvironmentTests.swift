import Foundation
import XCTest

/// The shell imports its environment lazily (docs/sh.md, "The environment,
/// imported lazily"): a variable is made when first read or set, all of them
/// when one is unset or they are listed, and children get the inherited
/// environment unchanged until an exported variable changes. Each script
/// runs under `env -i` with a known environment in dash and in toolbox sh;
/// stdout, stderr and the status must match.
final class ShellEnvironmentTests: XCTestCase {
    static let scripts: [String] = [
        // unchanged: the inherited array itself (applet env, then /usr/bin/env)
        "env | sort; /usr/bin/env | sort",
        "echo \"$FOO $BAR\"; env | sort",
        // set: the child sees the new value, other variables stay
        "FOO=changed; env | sort; /usr/bin/env | sort",
        "BAR=\"$BAR more\"; echo \"$BAR\"; /usr/bin/env | sort",
        // a new export
        "export BAZ=3; env | sort",
        "NEW=1; echo \"${NEW}\"; env | sort",
        // unset of an inherited variable that was never read
        "unset FOO; echo \"${FOO-unset}\"; env | sort; /usr/bin/env | sort",
        "unset FOO; FOO=again; env | sort",
        // listings import everything
        "set | grep -E '^(FOO|BAR|A_B)='",
        "export -p | grep -E ' (FOO|BAR|A_B)='",
        "readonly BAR; readonly -p | grep BAR; BAR=x; echo not-reached",
        // temporary assignments and locals put the inherited value back
        "FOO=temp env | grep FOO; echo \"$FOO\"; env | sort",
        "f() { local FOO=inner; env | grep FOO; }; f; echo \"$FOO\"; env | grep FOO",
        "f() { local BAR; BAR=in; }; f; echo \"$BAR\"; /usr/bin/env | grep BAR",
        // more than 32 lookups of unset names: the rest is imported at once
        "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do eval \"x=\\${U$i-}\"; done; echo \"$FOO $A_B\"; env | sort",
        "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do eval \"x=\\${U$i-}\"; done; unset BAR; env | sort",
        // ${x:=y}, read, getopts on inherited names
        "echo \"${FOO:=other} ${MISSING:=dflt}\"; env | sort",
        "echo new | { read FOO; env | grep FOO; }; echo \"$FOO\"",
        "set -- -a -b; getopts ab o; echo \"$o $FOO\"; env | sort",
        // a command's own assignment for an exec'd program
        "FOO=cmd /usr/bin/env | sort; echo \"$FOO\"",
    ]

    /// Runs `shell -c script` under `env -i` + `vars`, in `dir`.
    func run(_ shell: [String], _ script: String, vars: [String], dir: String) throws -> RunResult {
        try runProcess("/usr/bin/env", ["-i"] + vars + shell + ["-c", script], currentDirectory: dir)
    }

    func testLazilyImportedEnvironmentMatchesDash() throws {
        let toolbox = try toolboxBinary()
        _ = try which("dash")   // fails when missing; run by name so that its messages say `dash: `
        let dash = "dash"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shenv-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let environments: [[String]] = [
            // PWD names the directory: the inherited environment passes unchanged
            ["FOO=1", "BAR=two words", "A_B=x=y", "PWD=\(dir)", "LC_ALL=C", "PATH=/usr/bin:/bin"],
            // a name dash drops and no PWD: rebuilt from the start
            ["FOO=1", "BAR=two words", "A_B=x=y", "a-b=dropped", "LC_ALL=C", "PATH=/usr/bin:/bin"],
        ]
        var failures: [String] = []
        for vars in environments {
            for script in Self.scripts {
                var want = try run([dash], script, vars: vars, dir: dir)
                let got = try run([toolbox, "sh"], script, vars: vars, dir: dir)
                want.err = want.err.replacingOccurrences(of: "dash: ", with: "sh: ")
                if got != want { failures.append("\(vars) \(script):\n  dash:    \(want)\n  toolbox: \(got)") }
            }
        }
        XCTAssert(failures.isEmpty, failures.joined(separator: "\n"))
    }

    /// Runs argv with exactly `env` as its environment (duplicates kept:
    /// env(1), Process and Python's execve all fold them), returns stdout.
    func spawn(_ argv: [String], env: [String]) throws -> String {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let cargv = argv.map { strdup($0) } + [nil]
        let cenv = env.map { strdup($0) } + [nil]
        defer { (cargv + cenv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cargv, cenv)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// A name given twice in the inherited environment: the shell's value
    /// is the last (dash), and so must be its children's, exec'd or applet;
    /// the raw array would give them the first (getenv). PWD names the
    /// current directory, so nothing else makes the shell build it.
    func testADuplicateNameReachesChildrenOnceWithTheShellsValue() throws {
        let dash = try which("dash")
        let cwd = FileManager.default.currentDirectoryPath
        let env = ["PWD=\(cwd)", "A=1", "A=2", "PATH=/usr/bin:/bin"]
        let script = "echo \"$A\"; /usr/bin/env | grep '^A='; env | grep '^A='"
        let want = try spawn([dash, "-c", script], env: env)
        XCTAssertEqual(want, "2\nA=2\nA=2\n")
        XCTAssertEqual(try spawn([try toolboxBinary(), "sh", "-c", script], env: env), want)
    }
}
