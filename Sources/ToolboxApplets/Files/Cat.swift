import ToolboxCore

let catApplet = Applet(spec: AppletSpec(
    name: "cat",
    summary: "Print files (and - for standard input); paths through /proc/PID/root are resolved inside that container",
    usage: ["[--verbose] [FILE...]"],
    details: "With no FILE, or when FILE is -, reads standard input. Files are opened with O_NOATIME where permitted.",
    options: [verboseOption]), run: runCat)

@Sendable
func runCat(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try catApplet.spec.parse(args)
    let session = FileSession(ctx, verbose: p.has("verbose"))
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 17, alignment: 16)
    defer { buffer.deallocate() }
    // GNU cat's rule: a regular output file is not also read as input
    // (`cat big >> big` would grow it without end).
    let output = ctx.out.descriptor.flatMap { try? $0.stat() }.flatMap { $0.st_mode & S_IFMT == S_IFREG ? $0 : nil }
    for op in p.operands.isEmpty ? ["-"] : p.operands {
        if ctx.out.isBroken { break }
        let fd: FileDescriptor
        if op == "-" { fd = .standardInput }
        else {
            guard let opened = session.open(op, flags: O_RDONLY | O_NOATIME) else { continue }
            fd = opened.fd
        }
        defer { if op != "-" { fd.close() } }
        if let output, let st = try? fd.stat(), st.st_dev == output.st_dev, st.st_ino == output.st_ino,
           lseek(fd.rawValue, 0, SEEK_CUR) < st.st_size {
            ctx.out.flush()
            ctx.warn("\(op): input file is output file")
            continue
        }
        do {
            while true {
                let n = try fd.read(into: buffer)
                if n == 0 { break }
                ctx.out.write(Bytes(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
                if ctx.out.isBroken { break }
            }
        } catch {
            ctx.out.flush()
            ctx.warn("\(op): \(error.message)")
        }
    }
    return ExitCode.success
}
