// stat -f and stat %C: statfs(2) and the SELinux label of a descriptor's
// object (O_PATH descriptors included).

/// fstatfs(2) of the file system holding `fd`'s object.
public func fileSystemStatus(_ fd: FileDescriptor) throws(Errno) -> cshim_statfs {
    var s = cshim_statfs()
    _ = try retryOnInterrupt { cshim_fstatfs(fd.rawValue, &s) }
    return s
}

/// getxattr(2) of `fd`'s object (through /proc/self/fd/N), at most 4 KiB.
public func extendedAttribute(_ fd: FileDescriptor, _ name: String) throws(Errno) -> [UInt8] {
    var buf = [UInt8](repeating: 0, count: 4096)
    let n = try retryOnInterrupt { buf.withUnsafeMutableBytes { cshim_fd_getxattr(fd.rawValue, name, $0.baseAddress, $0.count) } }
    return Array(buf[0..<n])
}
