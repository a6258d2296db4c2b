import ToolboxFormats
import ToolboxSystem
import ToolboxProc

/// What an applet runs with: its writers, the /proc it reads and the root
/// whose /etc it uses for names. Tests build one over fixtures and memory
/// writers and run applets in-process.
public final class Context {
    public let applet: String
    public let out: OutputWriter
    public let err: OutputWriter
    public var procfs: ProcFS
    /// Prefix for host files such as /etc/passwd ("" means the real root).
    public var hostRoot: String
    /// Set to 1 by `warn`; applets return it so per-item failures do not stop the loop.
    public var exitStatus: Int32 = ExitCode.success
    private var saidOnce: [String] = []   // an array: see ParsedArguments

    public init(applet: String, out: OutputWriter, err: OutputWriter,
                procfs: ProcFS = ProcFS(), hostRoot: String = "") {
        self.applet = applet; self.out = out; self.err = err
        self.procfs = procfs; self.hostRoot = hostRoot
    }

    /// `applet: message` on stderr; marks the run as partially failed.
    public func warn(_ message: String) {
        err.write("\(applet): \(message)\n")
        exitStatus = max(exitStatus, ExitCode.failure)
    }

    /// `applet: message` on stderr, without changing the exit status.
    public func note(_ message: String) {
        err.write("\(applet): \(message)\n")
    }

    /// `note`, but only the first time a given `key` is seen in this run.
    public func noteOnce(_ key: String, _ message: @autoclosure () -> String) {
        if !saidOnce.contains(key) { saidOnce.append(key); note(message()) }
    }
}

/// An applet: its declaration and its entry point. `run` receives the raw
/// arguments (most applets call `spec.parse`; ps, tar and find first accept
/// their historic forms such as `ps aux` and `tar cf`).
public struct Applet: Sendable {
    public let spec: AppletSpec
    public let run: @Sendable (Context, [String]) throws -> Int32

    public init(spec: AppletSpec, run: @escaping @Sendable (Context, [String]) throws -> Int32) {
        self.spec = spec; self.run = run
    }
    public var name: String { spec.name }
}
