import ToolboxFormats
import ToolboxSystem

// The files of another process that `inspect`, lsof, pmap, lsns, pwdx and
// prlimit read, in one place: which need ptrace access (environ, maps,
// smaps_rollup, ns/*, exe, cwd, fd/ need PTRACE_MODE_READ; status, limits,
// cgroup, mountinfo, stat do not), how they are opened (directly, else by
// the target's borrowed identity, else an explained error), and the bounded
// read of every file whose content the target controls.
//
// Switch point: when ProcAccess's `openProcEntry` learns every entry (the
// `confine` work), `openTargetEntry` becomes a call to it.

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
    let me = try? procfs.status(nil)
    let target: PidStatus
    do { target = try procfs.status(pid) } catch {
        throw PathError(path, error == .vanished ? .noSuchProcess : firstError)
    }
    let eff = CapabilitySet(rawValue: me?.capEffective ?? 0)
    var borrowError: Errno? = nil
    if eff.contains(.setuid) && eff.contains(.setgid), let uid = target.realUID, let gid = target.gids.first {
        let fd = path.withCString { toolbox_borrow_open($0, flags | O_CLOEXEC, uid, gid) }
        if fd >= 0 { return (FileDescriptor(rawValue: fd), .borrowed(uid: uid, gid: gid)) }
        borrowError = Errno.current
    }
    throw PathError(path, firstError, detail: explainProcAccessDenied(pid: pid, target: target, me: me, borrowError: borrowError))
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
