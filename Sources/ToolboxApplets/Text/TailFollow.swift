import ToolboxCore

/// tail -f / -F: waits in poll(2) on an inotify descriptor (watches on the
/// open files through /proc/self/fd, and with -F on their directories), so
/// an idle follow costs no CPU and an append shows at once. Notices
/// truncation (`tail: NAME: file truncated`) and, following names,
/// replacement, disappearance and reappearance with GNU tail's messages.
final class TailFollower {
    enum Mode { case descriptor, name }
    private struct Watched {
        let name: String
        var fd: FileDescriptor?
        var dev: UInt64 = 0, ino: UInt64 = 0
        var offset: Int = 0
        var dirFD: FileDescriptor?
        var reportedGone = false
    }
    private let ctx: Context
    private let session: FileSession
    private let mode: Mode
    private let retry: Bool
    private let eol: UInt8
    private var files: [Watched] = []
    private var inotify: Int32 = -1
    var headers = false
    var lastShown: String?

    init(_ ctx: Context, session: FileSession, mode: Mode, retry: Bool, eol: UInt8) {
        self.ctx = ctx; self.session = session; self.mode = mode; self.retry = retry; self.eol = eol
    }
    deinit {
        for f in files { if let fd = f.fd, fd != .standardInput { fd.close() }; f.dirFD?.close() }
        if inotify >= 0 { close(inotify) }
    }

    var isEmpty: Bool { files.isEmpty }

    func add(name: String, fd: FileDescriptor?) {
        var w = Watched(name: name, fd: fd)
        if let fd, let st = try? fd.stat() {
            w.dev = UInt64(st.st_dev); w.ino = UInt64(st.st_ino)
            w.offset = Int(lseek(fd.rawValue, 0, SEEK_CUR))
        }
        files.append(w)
    }

    private static let fileEvents: UInt32 = UInt32(IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE)
    private static let dirEvents: UInt32 = UInt32(IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB)

    private func watch(_ fd: FileDescriptor, _ events: UInt32) {
        _ = inotify_add_watch(inotify, "/proc/self/fd/\(fd.rawValue)", events)
    }

    private func parentPath(_ name: String) -> String {
        guard let slash = name.lastIndex(of: "/") else { return "." }
        return slash == name.startIndex ? "/" : String(name[..<slash])
    }

    func run(pid: pid_t?, interval: Double) throws {
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw ToolError.failure("inotify cannot be used", Errno.current) }
        for i in files.indices {
            if let fd = files[i].fd { watch(fd, TailFollower.fileEvents) }
            if mode == .name, let dir = try? session.opener.open(parentPath(files[i].name), flags: O_PATH | O_DIRECTORY).fd {
                files[i].dirFD = dir
                watch(dir, TailFollower.dirEvents)
            }
        }
        let events = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 8)
        defer { events.deallocate() }
        while !ctx.out.isBroken {
            for i in files.indices { check(i) }
            ctx.out.flush()
            if let pid, kill(pid, 0) != 0 && errno == ESRCH {
                for i in files.indices { check(i) }
                ctx.out.flush()
                return
            }
            var pfd = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
            let timeout: Int32 = pid != nil ? Int32(max(interval, 0.01) * 1000) : -1
            let r = poll(&pfd, 1, timeout)
            if r < 0 && errno != EINTR { throw ToolError.failure("poll", Errno.current) }
            // Drain the events; every file is rechecked (cheap: one fstat each).
            while ((try? FileDescriptor(rawValue: inotify).read(into: events)) ?? 0) > 0 {}
        }
    }

    private func note(_ s: String) { ctx.out.flush(); ctx.note(s) }

    private func check(_ i: Int) {
        if mode == .name { recheckName(i) }
        guard let fd = files[i].fd else { return }
        guard let st = try? fd.stat() else { return }
        if (st.st_mode & S_IFMT) == S_IFREG && Int(st.st_size) < files[i].offset {
            note("\(files[i].name): file truncated")
            _ = lseek(fd.rawValue, 0, SEEK_SET)
            files[i].offset = 0
        }
        readNew(i)
    }

    private func readNew(_ i: Int) {
        guard let fd = files[i].fd else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = (try? fd.read(into: buffer)) ?? 0
            if n <= 0 { break }
            if headers && lastShown != files[i].name {
                ctx.out.write("\n==> \(files[i].name) <==\n")
                lastShown = files[i].name
            }
            ctx.out.write(Bytes(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
            files[i].offset += n
        }
    }

    /// -F: compares what the name now opens with the file being followed.
    private func recheckName(_ i: Int) {
        let name = files[i].name
        let fresh: FileDescriptor
        do { fresh = try session.opener.open(name, flags: O_RDONLY | O_NOATIME | O_NONBLOCK).fd }
        catch {
            if files[i].fd != nil || !files[i].reportedGone {
                if files[i].fd != nil { readNew(i) }
                note("'\(name)' has become inaccessible: \(error.errno.description)")
                if let fd = files[i].fd { fd.close() }
                files[i].fd = nil
                files[i].reportedGone = true
            }
            return
        }
        guard let st = try? fresh.stat() else { fresh.close(); return }
        if files[i].fd != nil && UInt64(st.st_dev) == files[i].dev && UInt64(st.st_ino) == files[i].ino {
            fresh.close(); return
        }
        if let old = files[i].fd {
            readNew(i)
            old.close()
            note("'\(name)' has been replaced;  following new file")
        } else {
            note("'\(name)' has appeared;  following new file")
        }
        files[i].fd = fresh
        files[i].reportedGone = false
        files[i].dev = UInt64(st.st_dev); files[i].ino = UInt64(st.st_ino)
        files[i].offset = 0
        watch(fresh, TailFollower.fileEvents)
    }
}
