import ToolboxFormats

/// An error that carries its exit code (the uutils convention). The
/// dispatcher prints `applet: message` on stderr and exits with `exitCode`.
public struct ToolError: Error, Equatable, CustomStringConvertible {
    public let exitCode: Int32
    public let message: String

    public init(exitCode: Int32, message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    /// Exit 2: the command line is wrong.
    public static func usage(_ message: String) -> ToolError { ToolError(exitCode: ExitCode.usage, message: message) }
    /// Exit 1: something failed at run time.
    public static func failure(_ message: String) -> ToolError { ToolError(exitCode: ExitCode.failure, message: message) }
    /// Exit 1 with `what: strerror`.
    public static func failure(_ what: String, _ errno: Errno) -> ToolError {
        ToolError(exitCode: ExitCode.failure, message: "\(what): \(errno.message)")
    }

    public var description: String { message }
}

/// The exit codes, documented in README.md.
public enum ExitCode {
    public static let success: Int32 = 0
    /// Runtime failure, or partial failure (some operands failed).
    public static let failure: Int32 = 1
    /// Usage error: unknown option, bad operand.
    public static let usage: Int32 = 2
    /// Unknown applet (as a shell's "command not found").
    public static let unknownApplet: Int32 = 127
}
