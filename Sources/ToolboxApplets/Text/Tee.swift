import ToolboxCore

let teeApplet = Applet(spec: AppletSpec(
    name: "tee",
    summary: "Copy standard input to each FILE, and also to standard output, as GNU tee",
    usage: ["[OPTION...] [FILE...]"],
    options: [
        .flag("a", "append", "append to the given FILEs, do not overwrite"),
        .flag("i", "ignore-interrupts", "ignore interrupt signals"),
    ]), run: runTee)

@Sendable
func runTee(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let p = try teeApplet.spec.parse(args, usageStatus: 1)
    if p.has("ignore-interrupts") { signal(SIGINT, SIG_IGN) }
    let flags = O_WRONLY | O_CREAT | (p.has("append") ? O_APPEND : O_TRUNC)
    var outputs: [(String, FileDescriptor)] = []
    for op in p.operands {
        if op == "-" { outputs.append((op, .standardOutput)); continue }
        do { outputs.append((op, try FileDescriptor.open(op, flags, mode: 0o666))) }
        catch { ctx.warn("\(op): \(error.description)") }
    }
    defer { for (op, fd) in outputs where op != "-" { fd.close() } }
    var failed = [Bool](repeating: false, count: outputs.count)
    var stdoutOK = true
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buffer.deallocate() }
    // Unbuffered, as GNU tee: each read is passed on at once (pipelines stay live).
    while true {
        let n: Int
        do { n = try FileDescriptor.standardInput.read(into: buffer) }
        catch { ctx.warn("standard input: \(error.description)"); break }
        if n == 0 { break }
        let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
        if stdoutOK {
            ctx.out.write(Bytes(start: chunk.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n))
            ctx.out.flush()
            if ctx.out.isBroken { stdoutOK = false }
            if let f = ctx.out.failure { stdoutOK = false; ctx.warn("standard output: \(f.description)") }
        }
        for (k, (op, fd)) in outputs.enumerated() where !failed[k] {
            do { try fd.writeAll(chunk) } catch { failed[k] = true; ctx.warn("\(op): \(error.description)") }
        }
        if !stdoutOK && failed.allSatisfy({ $0 }) { break }
    }
    return ctx.exitStatus
}
