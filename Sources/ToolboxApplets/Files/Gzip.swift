import ToolboxCore

let gzipOptions: [Option] = [
    .flag("c", "stdout", "write on standard output, keep the input files"),
    .flag("d", "decompress", "decompress"),
    .flag("f", "force", "overwrite existing output files; compress to or decompress from a terminal"),
    .flag("k", "keep", "keep (do not delete) the input files"),
    .flag("q", "quiet", "suppress all warnings"),
    .flag("t", "test", "test compressed file integrity"),
    .flag("1", "fast", "compress faster"),
    .flag("2", nil, "compression level 2"), .flag("3", nil, "compression level 3"),
    .flag("4", nil, "compression level 4"), .flag("5", nil, "compression level 5"),
    .flag("6", nil, "compression level 6 (the default)"), .flag("7", nil, "compression level 7"),
    .flag("8", nil, "compression level 8"),
    .flag("9", "best", "compress better"),
]

let gzipDetails = """
    Built in (RFC 1951/1952, no external program). FILE.gz replaces FILE
    (with its mode and times) unless -k or -c; with no FILE, or FILE -,
    standard input goes to standard output. Decompression reads every member
    of a multi-member file and checks each CRC-32 and length. Paths under
    /proc/PID/root are resolved inside that container.

    Exit status: 0 ok; 1 error; 2 warning (as GNU gzip).
    """

let gzipApplet = Applet(spec: AppletSpec(
    name: "gzip", summary: "Compress or decompress files (gzip format)",
    usage: ["[-cdfkqt] [-1..-9] [FILE...]"], details: gzipDetails, options: gzipOptions),
    run: { ctx, args in try runGzip(ctx, args, mode: .gzip) })

enum GzipMode { case gzip, gunzip, zcat }

/// gzip, gunzip (gzip -d) and zcat (gzip -dc), as GNU gzip.
func runGzip(_ ctx: Context, _ args: [String], mode: GzipMode) throws -> Int32 {
    let spec = mode == .gzip ? gzipApplet.spec : mode == .gunzip ? gunzipApplet.spec : zcatApplet.spec
    let p = try spec.parse(args)
    var level = 6
    for l in 1...9 where p.has(l == 1 ? "fast" : l == 9 ? "best" : String(l)) { level = l }
    // The last digit given wins, as GNU gzip.
    for a in args where a.hasPrefix("-") && !a.hasPrefix("--") {
        for c in a.dropFirst() { if let d = c.wholeNumberValue, d >= 1 { level = d } }
    }
    let test = p.has("test")
    let job = GzipJob(ctx, decompress: mode != .gzip || p.has("decompress") || test,
                      toStdout: mode == .zcat || p.has("stdout"), test: test, keep: p.has("keep"),
                      force: p.has("force"), quiet: p.has("quiet"), level: level)
    for op in p.operands.isEmpty ? ["-"] : p.operands {
        if ctx.out.isBroken { break }
        job.run(op)
    }
    ctx.out.flush()
    return job.status
}

final class GzipJob {
    let ctx: Context
    let decompress, toStdout, test, keep, force, quiet: Bool
    let level: Int
    var status: Int32 = 0
    let opener: PathOpener
    let buffer: UnsafeMutableRawBufferPointer

    init(_ ctx: Context, decompress: Bool, toStdout: Bool, test: Bool, keep: Bool, force: Bool, quiet: Bool, level: Int) {
        self.ctx = ctx; self.decompress = decompress; self.toStdout = toStdout; self.test = test
        self.keep = keep; self.force = force; self.quiet = quiet; self.level = level
        opener = PathOpener(procRoot: ctx.procfs.root)
        buffer = .allocate(byteCount: 1 << 17, alignment: 16)
    }
    deinit { buffer.deallocate() }

    func error(_ message: String) {
        ctx.out.flush()
        ctx.err.write("gzip: \(message)\n")
        status = 1
    }

    func warning(_ message: String) {
        if !quiet { ctx.out.flush(); ctx.err.write("gzip: \(message)\n") }
        if status == 0 { status = 2 }
    }

    /// The name FILE.gz decompresses to, or nil without a known suffix.
    func decompressedName(_ name: String) -> String? {
        for (suffix, replacement) in [(".gz", ""), (".tgz", ".tar"), (".z", ""), ("-gz", ""), ("-z", ""), ("_z", "")] {
            if name.hasSuffix(suffix) && name.count > suffix.count {
                return String(name.dropLast(suffix.count)) + replacement
            }
        }
        return nil
    }

    func run(_ op: String) {
        let fromStdin = op == "-"
        let shown = fromStdin ? "stdin" : op
        let toOut = toStdout || fromStdin
        if fromStdin {
            if decompress && !force && Terminal.isTerminal(0) {
                error("compressed data not read from a terminal. Use -f to force decompression.\nFor help, type: gzip -h")
                return
            }
            if !decompress && !force && Terminal.isTerminal(1) && ctx.err !== ctx.out {
                error("compressed data not written to a terminal. Use -f to force compression.\nFor help, type: gzip -h")
                return
            }
        }
        var outName = ""
        if !fromStdin && !toOut && !test {
            if decompress {
                guard let n = decompressedName(op) else { warning("\(op): unknown suffix -- ignored"); return }
                outName = n
            } else {
                if op.hasSuffix(".gz") || op.hasSuffix(".tgz") { if !quiet { ctx.out.flush(); ctx.err.write("gzip: \(op) already has .gz suffix -- unchanged\n") }
                    return }   // GNU gzip exits 0 here
                outName = op + ".gz"
            }
        }
        let input: FileDescriptor
        var st = Glibc_stat_t()
        if fromStdin { input = .standardInput } else {
            do {
                input = try opener.open(op, flags: O_RDONLY | O_NOATIME | O_NONBLOCK | O_NOFOLLOW).fd
            } catch {
                if error.errno == Errno(ELOOP) { warning("\(op): Too many levels of symbolic links"); return }
                self.error("\(op): \(error.errno.description)"); return
            }
            st = (try? input.stat()) ?? st
            let type = UInt32(st.st_mode) & 0o170000
            if type == 0o040000 { input.close(); warning("\(op) is a directory -- ignored"); return }
            if type != 0o100000 && !force {
                input.close(); warning("\(op) is not a directory or a regular file - ignored"); return
            }
            // Back to blocking reads (O_NONBLOCK only kept open from hanging on a FIFO).
            let fl = fcntl(input.rawValue, F_GETFL)
            _ = fcntl(input.rawValue, F_SETFL, fl & ~O_NONBLOCK)
        }
        defer { if !fromStdin { input.close() } }
        // Where the output goes.
        var outFD: FileDescriptor? = nil
        var writer: OutputWriter? = nil
        if !toOut && !test {
            do {
                let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL)
                let opened = try opener.open(outName, flags: flags)
                outFD = opened.fd
                _ = fchmod(opened.fd.rawValue, mode_t(UInt32(st.st_mode) & 0o7777))
            } catch {
                if error.errno == Errno(EEXIST) {
                    ctx.out.flush()
                    ctx.err.write("gzip: \(outName) already exists;\tnot overwritten\n")
                    if status == 0 { status = 2 }
                } else {
                    self.error("\(outName): \(error.errno.description)")
                }
                return
            }
            writer = OutputWriter(.fd(outFD!))
        }
        let sink: OutputWriter? = test ? nil : (writer ?? ctx.out)
        let ok = decompress ? inflate(input, sink, shown: shown) : deflate(input, sink!, shown: shown)
        if let w = writer {
            w.flush()
            if let f = w.failure, ok { error("\(outName): \(f.description)") }
        }
        if let fd = outFD {
            let failed = !ok || writer?.failure != nil
            if !failed {
                var times = [st.st_atim, st.st_mtim]
                _ = futimens(fd.rawValue, &times)
                if geteuid() == 0 { _ = fchown(fd.rawValue, st.st_uid, st.st_gid) }
            }
            fd.close()
            if failed { _ = unlink(outName) }
            else if !keep { _ = unlink(op) }
        }
    }

    func inflate(_ input: FileDescriptor, _ sink: OutputWriter?, shown: String) -> Bool {
        var readError: Errno? = nil
        var writeFailed = false
        let z = GzipInflater { buf in
            do throws(Errno) { return try input.read(into: buf) } catch { readError = error; throw error }
        }
        do {
            try z.run { chunk in
                guard let s = sink else { return }
                s.write(chunk.bindMemory(to: UInt8.self))
                if s.isBroken || s.failure != nil { writeFailed = true; throw Errno(EPIPE) }
            }
        } catch let e as GzipError {
            // GNU gzip starts these on a new line (after a possible -v
            // progress line): get_method's "not in gzip format",
            // gzip_error's "invalid compressed data--...", read_error.
            switch e {
            case .notGzip, .unexpectedEOF, .formatViolated, .crcError, .lengthError:
                ctx.out.flush(); ctx.err.write("\n")
            default: break
            }
            error("\(shown): \(e.message)"); return false
        } catch {
            if writeFailed { return false }
            self.error("\(shown): \(readError?.description ?? "read error")"); return false
        }
        if z.trailingGarbage {
            ctx.out.flush(); ctx.err.write("\n")   // GNU's WARN starts on a new line too
            warning("\(shown): decompression OK, trailing \(z.trailingZeros ? "zero bytes" : "garbage") ignored")
        }
        return true
    }

    func deflate(_ input: FileDescriptor, _ sink: OutputWriter, shown: String) -> Bool {
        let z = GzipDeflater(level: level) { chunk in sink.write(chunk.bindMemory(to: UInt8.self)) }
        do {
            while true {
                let n = try input.read(into: buffer)
                if n == 0 { break }
                try z.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if sink.isBroken || sink.failure != nil { return false }
            }
            try z.finish()
        } catch let e as Errno {
            error("\(shown): \(e.description)"); return false
        } catch {
            self.error("\(shown): \(error)"); return false
        }
        return true
    }
}
