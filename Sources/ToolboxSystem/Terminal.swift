import ToolboxFormats

/// The one place that asks "is this a terminal" and how big it is
/// (isatty(3), TIOCGWINSZ). Applets and the shell call these, never
/// isatty or ioctl themselves (SourceRulesTests).
public enum Terminal {
    /// isatty(3) of `fd`.
    @inline(__always)
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The window size of the terminal on `fd` (TIOCGWINSZ) as the kernel
    /// reports it (either may be 0); nil when `fd` is not a terminal.
    public static func windowSize(_ fd: Int32) -> (rows: Int, columns: Int)? {
        var ws = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 else { return nil }
        return (Int(ws.ws_row), Int(ws.ws_col))
    }
}
