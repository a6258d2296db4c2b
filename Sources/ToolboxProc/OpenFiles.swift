import ToolboxFormats
import ToolboxSystem

/// One open file of a process as lsof shows it: an fd (or cwd, rtd, txt),
/// the text of its /proc link and, when it could be examined, the stat of
/// the file it opens.
public struct OpenFile {
    /// The descriptor, or -1 for the cwd/root/exe links.
    public var fd: Int32
    /// The link text: `/path`, `/path (deleted)`, `socket:[123]`, `pipe:[9]`,
    /// `anon_inode:[eventpoll]`.
    public var target: String
    /// st_mode of the /proc/PID/fd/N link itself: the kernel sets S_IRUSR
    /// when the file is open for reading and S_IWUSR for writing
    /// (proc_fd_instantiate), so no fdinfo read is needed for lsof's mode
    /// letter. 0 when unknown (read with a borrowed identity).
    public var linkMode: UInt32
    /// stat(2) through the link (the open file itself); nil when not
    /// examined (a socket: the link names its inode) or refused.
    public var status: Glibc_stat_t?
    /// The file position when it was read with the descriptor (character
    /// devices: fdinfo `pos:`) or is known without reading (pipes and
    /// FIFOs: 0, see `descriptors`); nil otherwise.
    public var position: UInt64? = nil
}

/// Reads the open files of processes through one /proc dirfd per process
/// and reused buffers. Per descriptor (lsof makes 8 calls: lstat, readlink,
/// stat, then open, fstat, 2 reads and close of fdinfo):
/// - a readlinkat (the NAME);
/// - sockets (`socket:[N]`, a name only sockfs gives): nothing more: every
///   socket file is opened read-write (sock_alloc_file: O_RDWR) and one
///   reopened with O_PATH reads neither, which lsof also shows as `u`;
/// - pipes (`pipe:[N]`, a name only pipefs gives): an lstat; the first one
///   also a stat, whose device (the one pipefs) the others share;
/// - character devices: a stat, then fdinfo (its `flags:` give the open
///   mode, `pos:` the offset lsof prints) read relative to a dirfd in one
///   read(2);
/// - anything else: a stat and an lstat.
/// Pipes and FIFOs never move their file position (stream_open: pipe_read
/// and pipe_write ignore it, llseek fails), so their fdinfo is not read:
/// the offset is 0. A process we cannot ptrace is read with its borrowed
/// uid and gid (procFDLinks): links only, no stat.
public final class OpenFileReader {
    public let procfs: ProcFS
    private let reader = DirectoryReader(capacity: 1 << 16)
    private let link = UnsafeMutablePointer<CChar>.allocate(capacity: 4097)
    private let buffer = ReadBuffer(capacity: 4096)

    public init(procfs: ProcFS) { self.procfs = procfs }
    deinit { link.deallocate() }

    private func readLinkAt(_ dir: Int32, _ name: UnsafePointer<CChar>) -> (String?, Errno?) {
        let n: Int
        do throws(Errno) {
            n = try readLink(cPath: name, relativeTo: FileDescriptor(rawValue: dir), into: UnsafeMutableRawBufferPointer(start: link, count: 4096))
        } catch { return (nil, error) }
        return (String(decoding: UnsafeRawBufferPointer(start: link, count: n).bindMemory(to: UInt8.self), as: UTF8.self), nil)
    }

    /// The descriptors of `pid`, ascending, and how they were read.
    public func descriptors(pid: Int32) throws(PathError) -> ([OpenFile], ProcAccessWay) {
        let path = procfs.path(pid, "fd")
        var files: [OpenFile] = []
        var denied = false
        do {
            let dir = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
            defer { dir.close() }
            var infoDir: FileDescriptor? = nil
            defer { infoDir?.close() }
            var pipeStatus: Glibc_stat_t? = nil
            var listed = 0
            // Since Linux 6.2 the size of /proc/PID/fd is its descriptor count.
            files.reserveCapacity(min(max(Int((try? dir.stat())?.st_size ?? 0), 64), 1 << 16))
            try reader.forEach(dir) { name, cName, _, _ in
                guard let v = name.decimalValue, v <= UInt64(Int32.max) else { return true }
                listed += 1
                let (text, e) = readLinkAt(dir.rawValue, cName)
                guard let text else {
                    if let e, e.isPermission { denied = true; return false }
                    return true       // closed meanwhile
                }
                var f = OpenFile(fd: Int32(v), target: text, linkMode: 0, status: nil)
                var st = Glibc_stat_t()
                func linkMode() { if fstatat(dir.rawValue, cName, &st, AT_SYMLINK_NOFOLLOW) == 0 { f.linkMode = st.st_mode } }
                if text.hasPrefix("socket:") {
                    f.linkMode = UInt32(S_IFLNK) | UInt32(S_IRUSR) | UInt32(S_IWUSR)
                } else if text.hasPrefix("pipe:["), var p = pipeStatus, let ino = UInt64(text.dropFirst(6).dropLast()) {
                    linkMode()
                    p.st_ino = numericCast(ino)
                    f.status = p; f.position = 0
                } else if fstatat(dir.rawValue, cName, &st, 0) == 0 {
                    f.status = st
                    let type = st.st_mode & S_IFMT
                    if type == S_IFIFO {
                        f.position = 0
                        if text.hasPrefix("pipe:[") { pipeStatus = st }
                    }
                    if type == S_IFCHR {
                        if infoDir == nil { infoDir = try? FileDescriptor.open(procfs.path(pid, "fdinfo"), O_RDONLY | O_DIRECTORY) }
                        if let d = infoDir, let info = fdInfo(d, cName) {
                            f.position = info.pos
                            if let flags = info.flags { f.linkMode = Self.accessMode(flags) }
                        }
                    }
                    if f.linkMode == 0 { linkMode() }
                } else {
                    linkMode()
                }
                files.append(f)
                return true
            }
            if !denied {
                if listed > 0 {
                    // The kernel lists descriptors ascending; sort only if not.
                    if files.indices.dropFirst().contains(where: { files[$0 - 1].fd > files[$0].fd }) { files.sort { $0.fd < $1.fd } }
                    return (files, .direct)
                }
                // Without ptrace access the kernel lists nothing rather than refusing.
                if let s = try? procfs.status(pid), let me = try? procfs.status(nil),
                   s.realUID == me.effectiveUID || CapabilitySet(rawValue: me.capEffective ?? 0).contains(.sysPtrace) {
                    return ([], .direct)
                }
            }
        } catch {
            if !error.isPermission { throw PathError(path, error.isVanished ? .noSuchProcess : error) }
        }
        let (links, way) = try procFDLinks(procfs: procfs, pid: pid)
        return (links.map { OpenFile(fd: $0.fd, target: $0.target, linkMode: 0, status: nil) }, way)
    }

    /// cwd, root or exe of `pid`: link text and stat, nil when refused or
    /// absent (a kernel thread has no exe). The error says why.
    public func special(pid: Int32, _ name: String) -> (OpenFile?, Errno?) {
        let path = procfs.path(pid, name)
        do {
            let target = try readLink(path)
            let st = try? fileStatus(path)
            return (OpenFile(fd: -1, target: target, linkMode: 0, status: st), nil)
        } catch {
            if error.isPermission, let target = try? readTargetLink(procfs: procfs, pid: pid, name) {
                return (OpenFile(fd: -1, target: target, linkMode: 0, status: nil), nil)
            }
            return (nil, error)
        }
    }

    /// fdinfo entry `name` of an open /proc/PID/fdinfo, in one read(2)
    /// (a single_open seq_file: a short read is all of it).
    private func fdInfo(_ dir: FileDescriptor, _ name: UnsafePointer<CChar>) -> FdInfo? {
        guard let fd = try? FileDescriptor.open(cPath: name, O_RDONLY, relativeTo: dir) else { return nil }
        defer { fd.close() }
        let room = buffer.capacity
        guard let n = try? fd.read(into: UnsafeMutableRawBufferPointer(start: buffer.rawStart, count: room)) else { return nil }
        let b = n < room ? buffer.setCount(n) : ((try? buffer.readAll(fd, alreadyRead: n)) ?? buffer.setCount(n))
        return FdInfo.parse(b)
    }

    /// The link mode bits (S_IRUSR read, S_IWUSR write) the kernel gives
    /// /proc/PID/fd/N for open flags `flags` (OPEN_FMODE: O_RDONLY reads,
    /// O_WRONLY writes, O_RDWR both, 3 and O_PATH neither).
    static func accessMode(_ flags: UInt64) -> UInt32 {
        let link = UInt32(S_IFLNK), r = UInt32(S_IRUSR), w = UInt32(S_IWUSR)
        if flags & UInt64(O_PATH) != 0 { return link }
        switch flags & UInt64(O_ACCMODE) {
        case 0: return link | r
        case 1: return link | w
        case 2: return link | r | w
        default: return link
        }
    }

    /// The file position of descriptor `fd` (/proc/PID/fdinfo/FD `pos:`).
    public func position(pid: Int32, fd: Int32) -> UInt64? {
        guard let b = try? buffer.readFile(procfs.path(pid, "fdinfo/\(fd)")) else { return nil }
        return FdInfo.parse(b).pos
    }

    /// The protocol name the kernel gives a socket it has no table for
    /// (the `system.sockprotoname` attribute of the socket inode: NETLINK,
    /// TCP for an unbound one...), as lsof's `protocol: NAME`.
    public func socketProtocol(pid: Int32, fd: Int32) -> String? {
        let path = procfs.path(pid, "fd/\(fd)")
        let n = cshim_getxattr(path, "system.sockprotoname", link, 256)
        guard n > 0 else { return nil }
        var count = n
        if link[count - 1] == 0 { count -= 1 }
        return String(decoding: UnsafeRawBufferPointer(start: link, count: count).bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// stat of a mapped file: /proc/PID/map_files/START-END (the mapping
    /// itself; needs cap_sys_admin or cap_checkpoint_restore), else the
    /// path inside the process's root, accepted only when it is the same
    /// device and inode as the mapping (a name is never trusted by its text).
    public func mappedFileStatus(pid: Int32, _ m: PidMapsFile) -> Glibc_stat_t? {
        func same(_ st: Glibc_stat_t) -> Bool {
            UInt64(st.st_ino) == m.inode && deviceMajor(st.st_dev) == m.major && deviceMinor(st.st_dev) == m.minor
        }
        let hexStart = String(m.start, radix: 16), hexEnd = String(m.end, radix: 16)
        if let st = try? fileStatus(procfs.path(pid, "map_files/\(hexStart)-\(hexEnd)")), same(st) { return st }
        if let st = try? fileStatus(procfs.path(pid, "root") + m.path), same(st) { return st }
        return nil
    }

    /// The maps file of `pid`, bounded like every file a process controls.
    public func maps(pid: Int32) -> [PidMapsFile]? {
        guard let (b, _) = try? readTargetEntry(procfs: procfs, pid: pid, "maps") else { return nil }
        return b.withUnsafeBufferPointer { PidMapsFile.distinctFiles(in: $0).files }
    }
}

/// major(3) and minor(3) of a dev_t.
public func deviceMajor(_ d: dev_t) -> UInt32 { UInt32(cshim_dev_major(UInt64(d))) }
public func deviceMinor(_ d: dev_t) -> UInt32 { UInt32(cshim_dev_minor(UInt64(d))) }
