import ToolboxFormats
import ToolboxSystem

// The files of another process that `inspect`, lsof, pmap, lsns, pwdx and
// prlimit read, in one place: which need ptrace access (environ, maps,
// smaps_rollup, ns/*, exe, cwd, fd/ need PTRACE_MODE_READ; status, limits,
// cgroup, mountinfo, stat do not), how they are opened (directly, else by
// the target's borrowed identity, else an explained error), and the bounded
// read of every file whose content the target controls.
//
// The borrowing itself is ProcAccess's (`borrowing`, `borrowOpen`: helper
// child with a deadline); this file only says which entries and how they
// are read.

/// Largest /proc or cgroup file read whole (mountinfo of a node with
/// thousands of mounts is ~1 MiB; environ is at most ARG_MAX-ish).
public let targetFileCap = 8 << 20

/// Opens /proc/PID/`entry` (`environ`, `smaps_rollup`, `maps`, `ns/net`,
/// `exe`...) for reading. Tries directly; when refused and cap_setuid and
/// cap_setgid are effective, opens it in a child with the target's uid and
/// gid (borrow.h). The ptrace check of these files happens at open, so the
/// descriptor is readable here. When nothing works the error explains why
/// (as for /proc/PID/root).
public func openTargetEntry(procfs: ProcFS, pid: Int32, _ entry: String,
                            flags: Int32 = O_RDONLY | O_NONBLOCK | O_NOCTTY) throws(PathError) -> (FileDescriptor, ProcAccessWay) {
    switch entry {
    case "root": return try openProcEntry(procfs: procfs, pid: pid, .root, flags: flags)
    case "cwd": return try openProcEntry(procfs: procfs, pid: pid, .cwd, flags: flags)
    case "fd": return try openProcEntry(procfs: procfs, pid: pid, .fd, flags: flags)
    default: break
    }
    let path = procfs.path(pid, entry)
    let firstError: Errno
    do { return (try FileDescriptor.open(path, flags), .direct) } catch { firstError = error }
    guard firstError.isPermission else { throw PathError(path, firstError) }
    // Refused: the entry is opened by a helper child with the owner's
    // borrowed identity (ProcAccess's `borrowing` and `borrowOpen`: bounded
    // wait, the same explanation when that is impossible). These files check
    // ptrace access at open, so the descriptor reads here.
    let owner: FileDescriptor
    do { owner = try FileDescriptor.open(procfs.path(pid, ""), O_PATH | O_DIRECTORY) }
    catch { throw PathError(path, error.isVanished ? .noSuchProcess : firstError) }
    defer { owner.close() }
    var dir = owner
    var name = entry
    if let slash = entry.lastIndex(of: "/") {
        do { dir = try FileDescriptor.open(String(entry[..<slash]), O_PATH | O_DIRECTORY, relativeTo: owner) }
        catch { throw PathError(path, error) }
        name = String(entry[entry.index(after: slash)...])
    }
    defer { if dir != owner { dir.close() } }
    let opened = dir
    return try borrowing(procfs: procfs, owner: owner, pid: pid, subject: path, refused: firstError) { uid, gid throws(Errno) in
        try borrowOpen(dir: opened, name: name, flags: flags, uid: uid, gid: gid)
    }
}

/// Reads an opened descriptor whole into `buffer`, bounded: it must be a
/// regular file (proc and cgroupfs files are), at most `cap` bytes are read
/// (more is EFBIG), and the caller opened it non-blocking.
public func readBounded(_ fd: FileDescriptor, into buffer: ReadBuffer, cap: Int = targetFileCap) throws(Errno) -> Bytes {
    let st = try fd.stat()
    guard st.st_mode & S_IFMT == S_IFREG else { throw Errno(EINVAL) }
    let b = try buffer.readAll(fd, limit: cap + 1)
    if b.count > cap { throw Errno(EFBIG) }
    return b
}

/// Opens `path` non-blocking and reads it with `readBounded` (files that
/// need no ptrace access: /proc/PID/status, limits, mountinfo, cgroup files).
public func readBoundedFile(_ path: String, into buffer: ReadBuffer, cap: Int = targetFileCap,
                            relativeTo dir: FileDescriptor = .currentDirectory) throws(Errno) -> Bytes {
    let fd = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY, relativeTo: dir)
    defer { fd.close() }
    return try readBounded(fd, into: buffer, cap: cap)
}

/// Opens /proc/PID/`entry` (see `openTargetEntry`) and reads it bounded; the
/// bytes are copied out.
public func readTargetEntry(procfs: ProcFS, pid: Int32, _ entry: String,
                            cap: Int = targetFileCap) throws(PathError) -> ([UInt8], ProcAccessWay) {
    let (fd, way) = try openTargetEntry(procfs: procfs, pid: pid, entry)
    defer { fd.close() }
    let buffer = ReadBuffer(capacity: 16384)
    do {
        let bytes = try withExtendedLifetime(buffer) { () throws(Errno) -> [UInt8] in Array(try readBounded(fd, into: buffer, cap: cap)) }
        return (bytes, way)
    } catch { throw PathError(procfs.path(pid, entry), error) }
}

/// The namespace inode of /proc/PID/ns/`kind` (`net`, `mnt`, ...): the
/// number in `net:[4026531840]`. Read by readlink directly; when refused, by
/// opening it through `openTargetEntry` and fstat (the inode is the same).
public func namespaceInode(procfs: ProcFS, pid: Int32?, _ kind: String) throws(PathError) -> UInt64 {
    let path = procfs.path(pid, "ns/" + kind)
    let text: String
    do { text = try readLink(path) } catch {
        guard error.isPermission, let pid else { throw PathError(path, error) }
        let (fd, _) = try openTargetEntry(procfs: procfs, pid: pid, "ns/" + kind, flags: O_RDONLY)
        defer { fd.close() }
        do { return UInt64(try fd.stat().st_ino) } catch { throw PathError(path, error) }
    }
    guard let open = text.lastIndex(of: "["), let v = UInt64(text[text.index(after: open)...].dropLast()) else {
        throw PathError(path, Errno(EINVAL))
    }
    return v
}

/// readlink of /proc/PID/`entry` (`exe`, `cwd`, `root`): directly, else by
/// opening it O_PATH through `openTargetEntry` (borrowed identity) and
/// reading the link of that descriptor.
public func readTargetLink(procfs: ProcFS, pid: Int32, _ entry: String) throws(PathError) -> String {
    let path = procfs.path(pid, entry)
    do { return try readLink(path) } catch {
        guard error.isPermission else { throw PathError(path, error) }
    }
    let (fd, _) = try openTargetEntry(procfs: procfs, pid: pid, entry, flags: O_PATH | (entry == "exe" ? 0 : O_DIRECTORY))
    defer { fd.close() }
    do { return try readLink("/proc/self/fd/\(fd.rawValue)") } catch { throw PathError(path, error) }
}
