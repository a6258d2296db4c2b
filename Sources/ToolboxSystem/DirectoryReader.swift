import ToolboxFormats

/// Reads directories with getdents64(2) into one reused buffer: no per-entry
/// allocation, names arrive as bytes (and as NUL-terminated C strings for
/// the *at() calls). The order is the kernel's (readdir order), as GNU find
/// prints it.
public final class DirectoryReader {
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int

    public init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        buffer = .allocate(byteCount: capacity, alignment: 8)
    }
    deinit { buffer.deallocate() }

    /// Calls `body(name, cName, d_type, d_ino)` for each entry of the open
    /// directory `fd` except `.` and `..` (unless `includeDots`). The name
    /// bytes and C string are valid only during the call. `body` returns
    /// false to stop early.
    public func forEach(_ fd: FileDescriptor, includeDots: Bool = false,
                        _ body: (Bytes, UnsafePointer<CChar>, UInt8, UInt64) -> Bool) throws(Errno) {
        while true {
            let n: Int
            do throws(Errno) {
                n = Int(try retryOnInterrupt { cshim_getdents64(fd.rawValue, buffer, UInt(capacity)) })
            } catch {
                // A directory removed while open (IS_DEADDIR: e.g. the
                // /proc/PID/root of a process whose root was deleted) fails
                // getdents64 with ENOENT. It has no entries: GNU ls and find
                // (through readdir) list it as empty.
                if error == .noSuchFile { return }
                throw error
            }
            if n == 0 { return }
            var off = 0
            while off < n {
                let rec = buffer + off
                let ino = rec.loadUnaligned(as: UInt64.self)
                let reclen = Int(rec.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                let type = rec.load(fromByteOffset: 18, as: UInt8.self)
                let namePtr = (rec + 19).assumingMemoryBound(to: UInt8.self)
                let len = strlen(UnsafeRawPointer(namePtr).assumingMemoryBound(to: CChar.self))
                off += reclen
                if !includeDots && namePtr[0] == 0x2E && (len == 1 || (len == 2 && namePtr[1] == 0x2E)) { continue }
                if !body(Bytes(start: namePtr, count: len), UnsafeRawPointer(namePtr).assumingMemoryBound(to: CChar.self), type, ino) { return }
            }
        }
    }
}

/// d_type values (dirent.h).
public enum DirentType {
    public static let unknown: UInt8 = 0, fifo: UInt8 = 1, char: UInt8 = 2, directory: UInt8 = 4
    public static let block: UInt8 = 6, regular: UInt8 = 8, symlink: UInt8 = 10, socket: UInt8 = 12

    /// The S_IFMT bits for a d_type (0 for unknown).
    public static func mode(_ t: UInt8) -> UInt32 { UInt32(t) << 12 }
}
