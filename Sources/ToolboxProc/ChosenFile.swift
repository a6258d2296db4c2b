import ToolboxSystem

/// Reading a file that a container chose (its /etc/passwd, /etc/group,
/// resolv.conf, any configuration toolbox reads *for itself*): whatever the
/// name resolves to — a FIFO, a device (/dev/zero, a tty, a watchdog), a
/// huge or endless file — toolbox neither blocks, nor opens a device, nor
/// reads without end.
///
/// The rule, in `readChosenFile`:
/// 1. the name is resolved with O_PATH (no open(2) of a device or FIFO
///    happens, so no side effect and no wait for a writer);
/// 2. fstat(2) of that descriptor must say S_IFREG;
/// 3. the same inode is opened for reading through /proc/self/fd/N with
///    O_NONBLOCK (no second resolution a process could race); without
///    /proc the name is opened again with O_NONBLOCK and its st_dev/st_ino
///    must match;
/// 4. at most `chosenFileCap` bytes are read: a bigger file is refused as a
///    whole (a truncated passwd would name ids wrongly).
/// Callers print numeric ids when it fails; `ChosenFileError.message` says why.

/// The most bytes read from a file a container chose: 4 MiB (a passwd file of
/// ~60,000 users; the largest real ones we know are well under 1 MiB).
public let chosenFileCap = 4 << 20

/// Why a chosen file was not read.
public enum ChosenFileError: Error, Equatable, Sendable {
    /// Opening or reading failed.
    case system(Errno)
    /// It is not a regular file (the type, e.g. "fifo", "character device").
    case notRegular(String)
    /// It is larger than the cap.
    case tooLarge(Int)

    /// The errno, when it was a system error.
    public var errno: Errno? { if case .system(let e) = self { return e }; return nil }

    /// `not a regular file (fifo)`, `larger than 4194304 bytes`, or strerror.
    public var message: String {
        switch self {
        case .system(let e): return e.description
        case .notRegular(let type): return "not a regular file (\(type))"
        case .tooLarge(let cap): return "larger than \(cap) bytes"
        }
    }
}

/// The file type of a mode, in stat(1)'s words.
public func fileTypeName(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: return "regular file"
    case S_IFDIR: return "directory"
    case S_IFLNK: return "symbolic link"
    case S_IFIFO: return "fifo"
    case S_IFCHR: return "character special file"
    case S_IFBLK: return "block special file"
    case S_IFSOCK: return "socket"
    default: return "unknown"
    }
}

/// Reads a file a container chose, bounded as described above. `open` opens
/// the name with the flags it is given (O_PATH first, then O_RDONLY |
/// O_NONBLOCK only when /proc/self/fd is missing): pass a confined opener
/// (`openInRoot`, `openUserPath`) for a path inside a container.
public func readChosenFile(cap: Int = chosenFileCap,
                           _ open: (Int32) throws(Errno) -> FileDescriptor) throws(ChosenFileError) -> [UInt8] {
    let probe: FileDescriptor
    do { probe = try open(O_PATH) } catch { throw .system(error) }
    defer { probe.close() }
    let st: Glibc_stat_t
    do { st = try probe.stat() } catch { throw .system(error) }
    guard st.st_mode & S_IFMT == S_IFREG else { throw .notRegular(fileTypeName(st.st_mode)) }
    if st.st_size > cap { throw .tooLarge(cap) }
    let readFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOATIME
    var fd: FileDescriptor
    do {
        fd = try openNoAtime(readFlags) { f throws(Errno) in try FileDescriptor.open("/proc/self/fd/\(probe.rawValue)", f) }
    } catch {
        guard error == .noSuchFile || error == .notDirectory else { throw .system(error) }
        // No /proc: open the name again and check it is the same inode.
        do { fd = try openNoAtime(readFlags) { f throws(Errno) in try open(f) } } catch { throw .system(error) }
        guard let again = try? fd.stat(), again.st_dev == st.st_dev, again.st_ino == st.st_ino else {
            fd.close(); throw .system(.wouldBlock)
        }
    }
    defer { fd.close() }
    let buffer = ReadBuffer(capacity: min(max(Int(st.st_size) + 1, 4096), cap + 1))
    return try withExtendedLifetime(buffer) { () throws(ChosenFileError) -> [UInt8] in
        let bytes: UnsafeBufferPointer<UInt8>
        do throws(Errno) { bytes = try buffer.readAll(fd, limit: cap + 1) } catch { throw .system(error) }
        if bytes.count > cap { throw .tooLarge(cap) }
        return Array(bytes)
    }
}
