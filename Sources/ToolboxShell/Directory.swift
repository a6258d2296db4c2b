import ToolboxCore

// The working directory (cd, pwd, $PWD). The shell keeps a logical $PWD.
// Under /proc/PID/root (or /proc/PID/cwd) the container root is a floor:
// `..` never climbs above it, and the rest of the path is resolved inside
// that root by `walkInRoot` (absolute symlinks and `..` stay in the
// container); the shell then fchdir(2)s to the descriptor it got. Other
// paths are canonicalized logically (`..` removes the previous component)
// and chdir(2)'d. docs/sh.md explains what this means for applets and for
// external programs.

extension Shell {
    /// Changes directory to the absolute logical path `path`; returns the new $PWD.
    func changeDirectory(_ path: String, physical: Bool) throws -> String {
        if let split = splitContainerPath(path) {
            let root = split.root
            // confined: the part after the root, with `..` floored at the root
            let rootFd = try FileDescriptor.open(root, O_PATH | O_DIRECTORY)
            defer { rootFd.close() }
            let inner = logicalClean(split.inner)
            let (fd, resolved) = try walkInRoot(rootFd, inner, flags: O_PATH | O_DIRECTORY)
            defer { fd.close() }
            guard fchdir(fd.rawValue) == 0 else { throw Errno.current }
            return resolved == "/" ? root : root + resolved
        }
        let clean = physical ? path : logicalClean(path)
        guard chdir(clean) == 0 else { throw Errno.current }
        if physical { return currentDirectory() ?? clean }
        return clean
    }
}

/// `/a/./b/../c//` -> `/a/c`, textually (`..` at / stays at /).
func logicalClean(_ path: String) -> String {
    var out: [Substring] = []
    for c in path.split(separator: "/", omittingEmptySubsequences: true) {
        if c == "." { continue }
        if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
        out.append(c)
    }
    return "/" + out.joinedText("/")
}

/// `/proc/PID/root/rest` (or `/proc/PID/cwd`, `/proc/self/root`) split into
/// the container root and the path inside it; nil for any other path.
/// Textual on purpose: it reads the logical paths the shell itself builds
/// (`$PWD`, patterns, completion prefixes), which are already absolute.
struct ContainerPath { let root: String; let inner: String }

func splitContainerPath(_ path: String) -> ContainerPath? {
    guard path.hasPrefix("/proc/") else { return nil }
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    guard parts.count >= 3, parts[0] == "proc", Int32(parts[1]) != nil || parts[1] == "self",
          parts[2] == "root" || parts[2] == "cwd" else { return nil }
    return ContainerPath(root: "/proc/\(parts[1])/\(parts[2])", inner: "/" + parts[3...].joinedText("/"))
}
