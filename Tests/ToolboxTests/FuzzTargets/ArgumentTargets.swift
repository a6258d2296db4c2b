import ToolboxCore
@testable import ToolboxApplets

/// `caps --decode MASK` through the dispatcher (the input, cut at its first
/// NUL as a command-line argument would be), and CapabilitySet(parsingHex:).
let capsFuzzTarget = FuzzTarget(name: "caps", seeds: []) { data in
    let mask = fuzzArguments(data).first ?? ""
    var r: String
    do { r = try CapabilitySet(parsingHex: mask).decoded } catch { r = "usage" }
    return r + " " + fuzzDispatch(["caps", "--decode", mask]) + " " + fuzzDispatch(["caps", "--decode=" + mask])
}

/// The option parser with every real applet's spec: the first byte picks
/// the applet, the rest is its argv split at NULs. Applets are not run
/// (ps would scan /proc, tar -c would archive /); spec.parse is exactly
/// what they call first. `--help` text is generated from the same spec.
let optionsFuzzTarget = FuzzTarget(name: "options", seeds: []) { data in
    guard let first = data.first else { return "empty" }
    let a = applets[Int(first) % applets.count]
    let args = fuzzArguments(Bytes(rebasing: data[1...]))
    do throws(ToolError) {
        let p = try a.spec.parse(args)
        return "\(a.name) ok occurrences=\(p.occurrences.count) operands=\(p.operands.count)"
    } catch {
        precondition(error.exitCode == ExitCode.usage, "\(a.name): parse threw a non-usage error")
        return "\(a.name) usage: \(error.message)"
    }
}

/// A small tree for `find` to walk: a file, a directory, a symlink.
enum FuzzFindTree {
    nonisolated(unsafe) private static var ready = false
    static var path: String {
        if !ready {
            FuzzScratch.directory("find/d")
            FuzzScratch.write("find/f.txt", "x")
            FuzzScratch.write("find/d/g", "")
            FuzzScratch.symlink("f.txt", "find/l")
            ready = true
        }
        return "\(FuzzScratch.root)/find"
    }
}

/// find's command line: the expression parser and evaluation over a
/// three-entry tree, through the dispatcher. The input is the argv after
/// `find`, split at NULs; leading arguments that find would take as paths
/// are replaced by the tree (a fuzzer typing `/` must not walk the disk).
let findFuzzTarget = FuzzTarget(name: "find", seeds: []) { data in
    var args = fuzzArguments(data)
    var k = 0
    while k < args.count, args[k] != "!", args[k] != "(", !(args[k].hasPrefix("-") && args[k].count > 1) {
        args[k] = FuzzFindTree.path; k += 1
    }
    if k == 0 { args.insert(FuzzFindTree.path, at: 0) }
    // Actions that run commands, read standard input or remove files become
    // -true: a fuzzer must not run programs or empty the tree.
    for j in args.indices where ["-exec", "-execdir", "-ok", "-okdir", "-delete"].contains(args[j]) { args[j] = "-true" }
    // A -printf width or precision is a request for that much output per
    // file (find caps it at 1 MiB; the findformat target parses the large
    // ones): runs of five or more digits in the format are cut to four, or
    // a dozen roots of 1 MiB rows went to memory (26 s, 350 MB per input).
    for j in args.indices.dropFirst() where args[j - 1] == "-printf" {
        var out: [UInt8] = [], run = 0
        for c in args[j].utf8 {
            if c >= 0x30 && c <= 0x39 { run += 1; if run > 4 { continue } } else { run = 0 }
            out.append(c)
        }
        args[j] = String(decoding: out, as: UTF8.self)
    }
    return fuzzDispatch(["find"] + args)
}

/// find -printf's format parser and -perm's mode parser (user input, but
/// -printf output is built from container-chosen names by the same code).
let findFormatFuzzTarget = FuzzTarget(name: "findformat", seeds: []) { data in
    let bytes = Array(data)
    var r: String
    do throws(FindFormatError) {
        let f = try FindFormat(parsing: bytes)
        r = "pieces=\(f.pieces.count) warnings=\(f.warnings.count)"
    } catch { r = "error: \(error.message)" }
    r += " mode=" + (parseFileMode(bytes).map { String($0, radix: 8) } ?? "invalid")
    return r
}

/// A tar archive read by `tar tv` (the list mode's code: TarReader, the pax
/// and GNU long-name records, TarListing and the name sanitizer) from
/// stdin, which is a file holding the input (a regular file, so skipped
/// data is seeked over as with `tar tvf FILE`).
let tarFuzzTarget = FuzzTarget(name: "tar", seeds: []) { data in
    let fd = FuzzStdin.replace(with: data)
    defer { FuzzStdin.restore(fd) }
    return fuzzDispatch(["tar", "-tv"])
}

/// Puts bytes on file descriptor 0 for an applet that reads stdin.
enum FuzzStdin {
    nonisolated(unsafe) private static var file: Int32 = -1

    /// Makes fd 0 a regular file (in the scratch tree) holding `data`;
    /// returns a copy of the old fd 0.
    static func replace(with data: Bytes) -> Int32 {
        if file < 0 {
            FuzzScratch.write("stdin", "")
            file = open("\(FuzzScratch.root)/stdin", O_RDWR | O_CLOEXEC)
            precondition(file >= 0, "fuzz stdin")
        }
        precondition(ftruncate(file, 0) == 0)
        if data.count > 0 { precondition(pwrite(file, data.baseAddress!, data.count, 0) == data.count) }
        let saved = dup(0)
        precondition(dup2(file, 0) == 0)
        precondition(lseek(0, 0, SEEK_SET) == 0)
        return saved
    }

    static func restore(_ saved: Int32) {
        if saved >= 0 { dup2(saved, 0); close(saved) } else { close(0) }
    }
}
