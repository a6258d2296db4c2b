import ToolboxFormats
import ToolboxSystem

/// The one directory walker (`ls -R`, `find`, `tar -c`, `du`, `grep -r`): depth first,
/// with an explicit stack (no recursion, so no depth limit but memory) and a
/// bounded number of open directory descriptors, as gnulib's fts does.
///
/// The walk starts at an open directory (level 0, held open for the whole
/// walk) and enters subdirectories by descriptor (`openat(O_NOFOLLOW)`
/// relative to their parent), so it never leaves the tree it was given: a
/// tree under /proc/PID/root stays inside that root. At most `maxOpen`
/// directories are open at once: entering a deeper one closes the shallowest
/// open level (not level 0). Leaving a directory whose parent was closed
/// reopens the parent with `openat(child, "..")` and checks that it is the
/// very directory entered on the way down (st_dev, st_ino); when it is not
/// (the child was moved meanwhile), the parent is opened again by name from
/// the nearest open ancestor, component by component with O_NOFOLLOW, each
/// checked the same way. A parent that neither route reaches is *lost*: its
/// remaining entries are skipped (`leave` returns why) and the walk goes on
/// above it. So the walk is only ever in a directory it entered from its
/// start, whatever is renamed or swapped for a symlink meanwhile.
///
/// Use: `start` with the top directory, `read` (or `add`) its entries, then
/// loop: `next()` gives the next entry of the current directory (its path in
/// `path`), `enter` descends into it (then `read` the new current directory),
/// and when `next()` returns nil, `leave` returns to the parent (at depth 0
/// the walk is over). Entry names stay valid until their directory is left.
public final class DirectoryWalk {
    /// One entry of the current directory.
    public struct Entry {
        /// NUL-terminated; valid until its directory is left.
        public let name: UnsafePointer<CChar>
        public let length: Int
        /// d_type (`DirentType`).
        public let type: UInt8
        public var bytes: Bytes { Bytes(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: length) }
    }

    /// Why a parent directory could not be entered again (see `leave`).
    public struct Lost: Error {
        /// The error reopening it, or nil: it is another directory now.
        public let errno: Errno?
        /// The directory lost (the shallowest, when several are).
        public let path: [UInt8]
        public var message: String {
            errno.map { "cannot return to the directory: \($0.message)" }
                ?? "directory changed during the walk (moved or replaced); the rest of it is skipped"
        }
    }

    /// One directory on the stack: its descriptor (-1 while closed), its
    /// identity, and its entries (NUL-terminated names in one buffer).
    final class Level {
        var fd: Int32 = -1
        var dev: UInt64 = 0, ino: UInt64 = 0
        var followed = false, lost = false
        var pathLength = 0
        var names: UnsafeMutablePointer<UInt8>
        var capacity = 64, used = 0
        var offsets: [Int32] = []
        var types: [UInt8] = []
        var next = 0

        init() { names = .allocate(capacity: capacity) }
        deinit { names.deallocate() }

        func reset() {
            used = 0; next = 0; followed = false; lost = false
            offsets.removeAll(keepingCapacity: true); types.removeAll(keepingCapacity: true)
        }

        func append(_ name: Bytes, _ type: UInt8) {
            let need = used + name.count + 1
            if need > capacity {
                let c = max(need, capacity * 2)
                let n = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
                n.update(from: names, count: used)
                names.deallocate()
                names = n; capacity = c
            }
            offsets.append(Int32(used))
            if let b = name.baseAddress { (names + used).update(from: b, count: name.count) }
            used += name.count
            names[used] = 0
            used += 1
            types.append(type)
        }

        func entry(_ i: Int) -> Entry {
            let off = Int(offsets[i])
            let end = i + 1 < offsets.count ? Int(offsets[i + 1]) - 1 : used - 1
            return Entry(name: UnsafeRawPointer(names + off).assumingMemoryBound(to: CChar.self), length: end - off, type: types[i])
        }
    }

    /// The most directories open at once: 32, or a quarter of RLIMIT_NOFILE
    /// when that is smaller (at least 2).
    public static var defaultMaxOpen: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 32 }
        return max(2, min(32, Int(min(limit.rlim_cur, 1 << 20)) / 4))
    }

    public let maxOpen: Int
    /// The current directory's path (the start's name and the entered
    /// names); after `next()`, the entry's path.
    public private(set) var path: [UInt8] = []
    /// Reopens a directory entered through a symbolic link (find -L, ls -L)
    /// by its path, resolved as it was on the way down (inside the
    /// container's root). Without it such a directory, once closed, is lost.
    public var reopenFollowed: (([UInt8]) throws(Errno) -> FileDescriptor)?
    /// Reads the directories (callers may use it for their own reads).
    public let reader = DirectoryReader()

    private var levels: [Level] = []
    private var top = -1
    /// Open levels among 1...top (level 0 is always open).
    private var openCount = 0
    /// Levels 1..<closedBelow are all closed (where eviction looks first).
    private var closedBelow = 1

    public init(maxOpen: Int = DirectoryWalk.defaultMaxOpen) { self.maxOpen = max(2, maxOpen) }
    deinit { finish() }

    /// Depth of the current directory below the start (0 = the start).
    public var depth: Int { top }
    /// The current directory's descriptor (-1 while it is lost).
    public var directory: FileDescriptor { FileDescriptor(rawValue: levels[top].fd) }

    /// Starts a walk at the open directory `fd` (the walk closes it), named `name`.
    public func start(_ fd: FileDescriptor, name: some Collection<UInt8>) throws(Errno) {
        finish()
        let st: Glibc_stat_t
        do { st = try fd.stat() } catch { fd.close(); throw error }
        path.removeAll(keepingCapacity: true)
        path.append(contentsOf: name)
        openCount = 0; closedBelow = 1
        push(fd.rawValue, st, followed: false)
    }

    /// Closes whatever is still open (the walk is over or abandoned).
    public func finish() {
        if top >= 0 { for i in 0...top { close(i) } }
        top = -1
    }

    /// Reads the current directory's entries (not `.` and `..`) in readdir order.
    public func read() throws(Errno) {
        let level = levels[top]
        try reader.forEach(directory) { name, _, type, _ in level.append(name, type); return true }
    }

    /// Adds an entry to the current directory's list (before the first `next()`).
    public func add(_ name: Bytes, type: UInt8) { levels[top].append(name, type) }

    /// Sorts the current directory's entries by name, byte order (tar).
    public func sortByName() {
        let l = levels[top]
        let n = l.offsets.count
        guard n > 1 else { return }
        let entries = (0..<n).map { l.entry($0) }
        let order = (0..<n).sorted { a, b in
            let x = entries[a], y = entries[b]
            let c = memcmp(x.name, y.name, min(x.length, y.length))
            return c != 0 ? c < 0 : x.length < y.length
        }
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: l.capacity)
        copy.update(from: l.names, count: l.used)
        defer { copy.deallocate() }
        let offs = l.offsets, types = l.types
        l.used = 0; l.offsets.removeAll(keepingCapacity: true); l.types.removeAll(keepingCapacity: true)
        for i in order {
            l.append(Bytes(start: copy + Int(offs[i]), count: entries[i].length), types[i])
        }
    }

    /// The next entry of the current directory, its path in `path`; nil when
    /// there is none left (or the directory is lost), `path` being the
    /// directory's own again.
    public func next() -> Entry? {
        let l = levels[top]
        path.removeSubrange(l.pathLength...)
        if l.lost || l.next >= l.offsets.count { return nil }
        let e = l.entry(l.next)
        l.next += 1
        if path.last != 0x2F { path.append(0x2F) }
        path.append(contentsOf: e.bytes)
        return e
    }

    /// The entry `next()` returned last in the directory at `depth` (the
    /// one being walked below it).
    public func current(at depth: Int) -> Entry { levels[depth].entry(levels[depth].next - 1) }

    /// Enters the entry last returned by `next()`: opened with
    /// O_RDONLY|O_DIRECTORY|O_NOFOLLOW (and O_NOATIME where permitted)
    /// relative to the current directory.
    public func enter(_ e: Entry) throws(Errno) {
        let dir = directory
        let fd = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { f throws(Errno) in
            try FileDescriptor.open(cPath: e.name, f, relativeTo: dir)
        }
        try enter(fd, followed: false)
    }

    /// Enters the entry last returned by `next()` as the open directory
    /// `fd` (the walk closes it); `followed`: reached through a symbolic
    /// link (its `..` is not the current directory).
    public func enter(_ fd: FileDescriptor, followed: Bool) throws(Errno) {
        let st: Glibc_stat_t
        do { st = try fd.stat() } catch { fd.close(); throw error }
        enter(fd, st, followed: followed)
    }

    /// `enter(fd, followed:)` with the directory's fstat already made.
    public func enter(_ fd: FileDescriptor, _ st: Glibc_stat_t, followed: Bool) {
        push(fd.rawValue, st, followed: followed)
        // Over the budget: close the shallowest open level but 0.
        if openCount + 1 > maxOpen {
            var i = closedBelow
            while i < top && levels[i].fd < 0 { i += 1 }
            if i < top { close(i); closedBelow = i + 1 }
        }
    }

    /// The depth at which the directory (dev, ino) is being walked, if it is
    /// (a loop through symbolic links).
    public func depth(of dev: UInt64, _ ino: UInt64) -> Int? {
        guard top >= 0 else { return nil }
        return (0...top).first { levels[$0].dev == dev && levels[$0].ino == ino }
    }

    /// The path of the directory at `depth` (a prefix of `path`).
    public func pathLength(at depth: Int) -> Int { levels[depth].pathLength }

    /// Leaves the current directory for its parent (at depth 0, ends the
    /// walk); `path` stays the directory's (the parent's current entry).
    /// Returns nil, or why the parent could not be entered again: it is then
    /// lost (`next()` gives nothing more of it, `directory` is -1).
    public func leave() -> Lost? {
        let child = levels[top]
        defer { close(top + 1) }
        top -= 1
        if top < 0 { return nil }
        let parent = levels[top]
        if parent.fd >= 0 || parent.lost { return nil }
        // Up through "..", as fts does: the same directory, or not at all.
        if child.fd >= 0 && !child.followed,
           let fd = try? openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME, { f throws(Errno) in
               try FileDescriptor.open("..", f, relativeTo: FileDescriptor(rawValue: child.fd))
           }) {
            if isSame(fd, parent) { setOpen(top, fd); return nil }
            fd.close()
        }
        // Down again by name from the nearest open ancestor.
        var k = top - 1
        while k > 0 && levels[k].fd < 0 { k -= 1 }
        for j in (k + 1)...top {
            let l = levels[j], up = levels[j - 1]
            let fd: FileDescriptor
            do throws(Errno) {
                if l.followed {
                    guard let reopen = reopenFollowed else { throw Errno.noSuchFile }
                    fd = try reopen(Array(path[0..<l.pathLength]))
                } else {
                    let name = up.entry(up.next - 1).name
                    fd = try openNoAtime(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NOATIME) { f throws(Errno) in
                        try FileDescriptor.open(cPath: name, f, relativeTo: FileDescriptor(rawValue: up.fd))
                    }
                }
            } catch {
                return lose(from: j, k, error)
            }
            guard isSame(fd, l) else { fd.close(); return lose(from: j, k, nil) }
            setOpen(j, fd)
            // Within the budget: keep the deepest of them.
            if openCount + 1 > maxOpen, j - 1 > k { close(j - 1) }
        }
        return nil
    }

    /// Levels j...top cannot be entered again: close what was reopened
    /// above them (below k's), mark them lost.
    private func lose(from j: Int, _ k: Int, _ errno: Errno?) -> Lost {
        for i in (k + 1)..<j { close(i) }
        for i in j...top { levels[i].lost = true }
        return Lost(errno: errno, path: Array(path[0..<levels[j].pathLength]))
    }

    private func close(_ i: Int) {
        let l = levels[i]
        guard l.fd >= 0 else { return }
        _ = Glibc_close(l.fd)
        l.fd = -1
        if i > 0 { openCount -= 1 }
    }

    private func setOpen(_ i: Int, _ fd: FileDescriptor) {
        levels[i].fd = fd.rawValue
        openCount += 1
        closedBelow = min(closedBelow, i)
    }

    private func isSame(_ fd: FileDescriptor, _ l: Level) -> Bool {
        guard let st = try? fd.stat() else { return false }
        return UInt64(st.st_dev) == l.dev && UInt64(st.st_ino) == l.ino
    }

    private func push(_ fd: Int32, _ st: Glibc_stat_t, followed: Bool) {
        top += 1
        if top == levels.count { levels.append(Level()) }
        let l = levels[top]
        l.reset()
        l.fd = fd; l.dev = UInt64(st.st_dev); l.ino = UInt64(st.st_ino); l.followed = followed
        l.pathLength = path.count
        if top > 0 { openCount += 1 }
    }
}
