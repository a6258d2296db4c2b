import ToolboxCore

// ls --json and stat --json (docs/json.md): one array of file objects. Names
// read from directories are written as their exact bytes (non-UTF-8 bytes
// as \udcXX, see JSONWriter.escape); times are epoch seconds with nine
// exact decimals; `mode` is the permission bits (mode & 07777) as a number.

/// The `type` member: the file type in one word.
func fileTypeWord(_ mode: UInt32) -> StaticString {
    switch mode & S_IFMT {
    case S_IFREG: return "file"
    case S_IFDIR: return "directory"
    case S_IFLNK: return "symlink"
    case S_IFIFO: return "fifo"
    case S_IFSOCK: return "socket"
    case S_IFCHR: return "char"
    case S_IFBLK: return "block"
    default: return "unknown"
    }
}

/// `mode` (permission bits) and `mode_string` (as ls -l); null when unknown.
func jsonMode(_ w: JSONWriter, _ mode: UInt32?) {
    guard let mode else { w.key("mode").null().key("mode_string").null(); return }
    w.key("mode").int(mode & 0o7777)
    w.key("mode_string").string(bytes: modeString(mode)[...])
}

/// `rdev_major`, `rdev_minor`: the device of a char or block file, else null.
func jsonDevice(_ w: JSONWriter, _ mode: UInt32, major: UInt64, minor: UInt64) {
    let t = mode & S_IFMT
    if t == S_IFCHR || t == S_IFBLK { w.key("rdev_major").int(major).key("rdev_minor").int(minor) }
    else { w.key("rdev_major").null().key("rdev_minor").null() }
}

/// `uid`, `user`, `gid`, `group`: the names from the file's root, null without one.
func jsonFileOwner(_ w: JSONWriter, uid: UInt32?, gid: UInt32?, _ names: (users: IDNames, groups: IDNames)) {
    w.key("uid").int(uid).key("user").string(uid.flatMap { names.users.name($0) })
    w.key("gid").int(gid).key("group").string(gid.flatMap { names.groups.name($0) })
}

extension LsRun {
    /// The entries of one listing as rows of the run's one array; `dir` is
    /// the listed directory (nil for file operands, whose path is the name).
    func emitJSON(_ json: JSONTable, _ list: LsList, _ order: [Int], names: (users: IDNames, groups: IDNames), dir: String?) {
        var path: [UInt8] = []
        if let dir { path = Array(dir.utf8); if path.last != 0x2F { path.append(0x2F) } }
        let prefix = path.count
        list.arena.withUnsafeBufferPointer { arena in
            for i in order {
                if out.isBroken { return }
                let x = list.entries[i]
                let name = Bytes(rebasing: arena[Int(x.nameOff)..<Int(x.nameOff + x.nameLen)])
                let w = json.beginRow()
                w.key("name").string(bytes: name)
                path.removeSubrange(prefix...); path.append(contentsOf: name)
                w.key("path").string(bytes: path[...])
                w.key("type").string(fileTypeWord(x.mode))
                let ok = x.statOK
                jsonMode(w, ok ? x.mode : nil)
                w.key("nlink").int(ok ? x.nlink : nil)
                jsonFileOwner(w, uid: ok ? x.uid : nil, gid: ok ? x.gid : nil, names)
                w.key("size").int(ok ? x.size : nil)
                w.key("inode").int(x.ino)
                w.key("mtime"); if ok { w.time(seconds: x.mtime, nanoseconds: Int(x.mtimeNs)) } else { w.null() }
                w.key("target")
                if x.linkOff >= 0 { w.string(bytes: Bytes(rebasing: arena[Int(x.linkOff)..<Int(x.linkOff + x.linkLen)])) } else { w.null() }
                jsonDevice(w, x.mode, major: devMajor(x.rdev), minor: devMinor(x.rdev))
                json.endRow()
            }
        }
    }
}

/// One stat --json row: every field of stat's default format.
func statJSONRow(_ json: JSONTable, path: String, target: String?, _ sx: cshim_statx, _ names: (users: IDNames, groups: IDNames)) {
    let mode = UInt32(sx.stx_mode)
    let w = json.beginRow()
    w.key("path").string(path)
    w.key("target").string(target)
    w.key("type").string(fileTypeWord(mode))
    w.key("size").int(sx.stx_size)
    w.key("blocks").int(sx.stx_blocks)
    w.key("io_block").int(sx.stx_blksize)
    w.key("device_major").int(sx.stx_dev_major).key("device_minor").int(sx.stx_dev_minor)
    w.key("inode").int(sx.stx_ino)
    w.key("nlink").int(sx.stx_nlink)
    jsonDevice(w, mode, major: UInt64(sx.stx_rdev_major), minor: UInt64(sx.stx_rdev_minor))
    jsonMode(w, mode)
    jsonFileOwner(w, uid: sx.stx_uid, gid: sx.stx_gid, names)
    w.key("atime").time(seconds: sx.stx_atime.tv_sec, nanoseconds: Int(sx.stx_atime.tv_nsec))
    w.key("mtime").time(seconds: sx.stx_mtime.tv_sec, nanoseconds: Int(sx.stx_mtime.tv_nsec))
    w.key("ctime").time(seconds: sx.stx_ctime.tv_sec, nanoseconds: Int(sx.stx_ctime.tv_nsec))
    w.key("btime")
    if sx.stx_mask & CSHIM_STATX_BTIME != 0 { w.time(seconds: sx.stx_btime.tv_sec, nanoseconds: Int(sx.stx_btime.tv_nsec)) } else { w.null() }
    json.endRow()
}
