import ToolboxCore

// Shared by the text applets (grep, head, tail, wc, sort, uniq, cut, tr,
// tee, less): opening operands through the confined PathOpener (so
// /proc/PID/root/... resolves inside that container; `-` is standard
// input), and a block line reader over one reused buffer.

extension FileSession {
    /// Opens an input operand for reading: `-` is standard input (never
    /// closed by `closeInput`). A failure is reported as `applet: op: reason`.
    func openInput(_ op: String) -> FileDescriptor? {
        switch openInputReporting(op) {
        case .success(let fd): return fd
        case .failure(let e):
            ctx.out.flush()
            ctx.warn(e.gnuMessage)
            return nil
        }
    }

    /// Same, but the error is returned to the caller (to print it its own way).
    func openInputReporting(_ op: String) -> Result<FileDescriptor, PathError> {
        if op == "-" { return .success(.standardInput) }
        do { return .success(try opener.open(op, flags: O_RDONLY | O_NOATIME).fd) }
        catch { return .failure(error) }
    }
}

/// Closes an input opened by `openInput` (standard input stays open).
func closeInput(_ fd: FileDescriptor) { if fd != .standardInput { fd.close() } }

/// Reads delimiter-terminated records (lines, or NUL-terminated with -z)
/// from a descriptor in large blocks. `next()` returns each record without
/// its delimiter; the bytes stay valid until the following call. A record
/// longer than the buffer grows it (GNU tools have no line length limit).
final class LineReader {
    let fd: FileDescriptor
    let delimiter: UInt8
    private var buf: UnsafeMutablePointer<UInt8>
    private var cap: Int
    private var start = 0, end = 0
    private var eof = false
    /// Whether the record last returned ended with the delimiter (false
    /// only for a final record without one).
    private(set) var hadDelimiter = true
    /// Set when a read failed (the error is in `error`); `next()` then returns nil.
    private(set) var error: Errno?
    /// Flush this writer before a read that may block (pipes, terminals).
    var flushBeforeRead: OutputWriter?

    init(_ fd: FileDescriptor, delimiter: UInt8 = ASCII.newline, capacity: Int = 1 << 17) {
        self.fd = fd; self.delimiter = delimiter
        cap = capacity
        buf = .allocate(capacity: cap)
    }
    deinit { buf.deallocate() }

    func next() -> Bytes? {
        while true {
            if start < end, let hit = memchr(buf + start, Int32(delimiter), end - start) {
                let at = UnsafeMutablePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - buf
                let line = Bytes(start: buf + start, count: at - start)
                start = at + 1
                hadDelimiter = true
                return line
            }
            if eof {
                if start < end {
                    let line = Bytes(start: buf + start, count: end - start)
                    start = end
                    hadDelimiter = false
                    return line
                }
                return nil
            }
            fill()
        }
    }

    /// Moves the partial record to the front (growing when it fills the buffer) and reads more.
    private func fill() {
        if start > 0 {
            if end > start { memmove(buf, buf + start, end - start) }
            end -= start; start = 0
        }
        if end == cap {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: cap * 2)
            bigger.update(from: buf, count: end)
            buf.deallocate()
            buf = bigger; cap *= 2
        }
        flushBeforeRead?.flush()
        do {
            let n = try fd.read(into: UnsafeMutableRawBufferPointer(start: buf + end, count: cap - end))
            if n == 0 { eof = true } else { end += n }
        } catch {
            self.error = error
            eof = true
        }
    }
}

/// Parses a decimal count with an optional size suffix as GNU coreutils
/// does for head/tail -n/-c (b=512, K/KiB=1024, KB=1000, M, G, T, P, E).
/// Nil when malformed; values beyond Int.max saturate (as GNU's "too large").
func parseCount(_ s: Substring) -> Int? {
    var digits = s.startIndex
    while digits < s.endIndex, s[digits].isASCII, s[digits].isNumber { digits = s.index(after: digits) }
    if digits == s.startIndex { return nil }
    var value = 0
    var overflow = false
    for c in s[s.startIndex..<digits] {
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(Int(c.asciiValue! - 0x30))
        if o1 || o2 { overflow = true; break }
        value = a
    }
    let suffix = s[digits...]
    var mult = 1
    if !suffix.isEmpty {
        let table: [(String, Int)] = [("b", 512), ("kB", 1000), ("K", 1024), ("KiB", 1024), ("KB", 1000),
                                      ("MB", 1_000_000), ("M", 1 << 20), ("MiB", 1 << 20),
                                      ("GB", 1_000_000_000), ("G", 1 << 30), ("GiB", 1 << 30),
                                      ("TB", 1_000_000_000_000), ("T", 1 << 40), ("TiB", 1 << 40),
                                      ("PB", 1_000_000_000_000_000), ("P", 1 << 50), ("PiB", 1 << 50),
                                      ("EB", 1_000_000_000_000_000_000), ("E", 1 << 60), ("EiB", 1 << 60)]
        guard let m = table.first(where: { $0.0 == suffix }) else { return nil }
        mult = m.1
    }
    if overflow { return Int.max }
    let (r, o) = value.multipliedReportingOverflow(by: mult)
    return o ? Int.max : r
}

extension PathError {
    /// `subject: reason` with strerror's own capital, as GNU tools print it.
    var gnuMessage: String { "\(subject): \(detail ?? errno.description)" }
}

extension AppletSpec {
    /// `parse`, with usage errors exiting `status` instead of 2: GNU
    /// coreutils (head, tail, wc, uniq, cut, tr, tee) and xargs exit 1.
    func parse(_ args: [String], usageStatus status: Int32) throws(ToolError) -> ParsedArguments {
        do { return try parse(args) } catch { throw ToolError(exitCode: status, message: error.message) }
    }
    /// `usageError` with GNU's exit status for this tool.
    func usageError(_ message: String, status: Int32) -> ToolError {
        ToolError(exitCode: status, message: usageError(message).message)
    }
}
