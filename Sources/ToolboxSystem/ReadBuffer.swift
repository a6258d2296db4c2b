import ToolboxFormats

/// A growable byte buffer reused across reads, so hot loops (one /proc file
/// per process) do not allocate per file. The bytes returned by `read*`
/// stay valid until the next read into the same buffer *and only while the
/// buffer is alive*: hold it in a variable that outlives the bytes' use (a
/// temporary `ReadBuffer().readFile(...)` may be freed at once), or use
/// `contents(of:)`, which copies.
public final class ReadBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    public private(set) var count: Int = 0

    public init(capacity: Int = 8192) {
        storage = .allocate(byteCount: max(capacity, 64), alignment: 16)
    }
    deinit { storage.deallocate() }

    /// The bytes of the last read.
    public var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
    }

    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
        bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: count)
        storage.deallocate()
        storage = bigger
    }

    /// The allocated size (for callers that read(2) into `rawStart` themselves).
    public var capacity: Int { storage.count }
    /// The start of the storage.
    public var rawStart: UnsafeMutableRawPointer { storage.baseAddress! }
    /// Declares the first `n` bytes valid (after a read into `rawStart`).
    public func setCount(_ n: Int) -> UnsafeBufferPointer<UInt8> {
        count = min(max(n, 0), storage.count)
        return bytes
    }

    /// Reads `fd` to EOF (or until `limit` bytes). /proc files are generated
    /// per read(2) call, so this loops until read returns 0. `alreadyRead`
    /// bytes at the start of the storage are kept (a caller's first read).
    @discardableResult
    public func readAll(_ fd: FileDescriptor, limit: Int = Int.max, alreadyRead: Int = 0) throws(Errno) -> UnsafeBufferPointer<UInt8> {
        count = min(alreadyRead, storage.count)
        while count < limit {
            if count == storage.count { grow() }
            let room = min(storage.count - count, limit - count)
            let n = try fd.read(into: UnsafeMutableRawBufferPointer(start: storage.baseAddress! + count, count: room))
            if n == 0 { break }
            count += n
        }
        return bytes
    }

    /// Opens `path` (relative to `dir`), reads it whole, closes it.
    @discardableResult
    public func readFile(_ path: String, relativeTo dir: FileDescriptor = .currentDirectory,
                         limit: Int = Int.max) throws(Errno) -> UnsafeBufferPointer<UInt8> {
        let fd = try FileDescriptor.open(path, O_RDONLY, relativeTo: dir)
        defer { fd.close() }
        return try readAll(fd, limit: limit)
    }

    /// Reads a file and returns a copy of its bytes.
    public func contents(of path: String, relativeTo dir: FileDescriptor = .currentDirectory) throws(Errno) -> [UInt8] {
        try withExtendedLifetime(self) { () throws(Errno) -> [UInt8] in Array(try readFile(path, relativeTo: dir)) }
    }

    /// Reads `fd` to EOF and returns a copy of its bytes.
    public func contents(of fd: FileDescriptor) throws(Errno) -> [UInt8] {
        try withExtendedLifetime(self) { () throws(Errno) -> [UInt8] in Array(try readAll(fd)) }
    }

    /// Same, for a C string path (avoids bridging in hot loops).
    @discardableResult
    public func readFile(cPath: UnsafePointer<CChar>, relativeTo dir: FileDescriptor = .currentDirectory,
                         limit: Int = Int.max) throws(Errno) -> UnsafeBufferPointer<UInt8> {
        let fd = try FileDescriptor.open(cPath: cPath, O_RDONLY, relativeTo: dir)
        defer { fd.close() }
        return try readAll(fd, limit: limit)
    }
}

/// Reads a whole file into a new array (for small, cold files: /etc/passwd).
public func readWholeFile(_ path: String, relativeTo dir: FileDescriptor = .currentDirectory) throws(Errno) -> [UInt8] {
    let buf = ReadBuffer(capacity: 4096)
    return try buf.contents(of: path, relativeTo: dir)
}
