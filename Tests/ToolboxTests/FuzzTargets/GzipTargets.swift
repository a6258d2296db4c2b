import ToolboxCore

/// The gzip decoder (tar -z, gzip -d, zcat) on any bytes: a result or a
/// GzipError, never a crash or a hang; decoding is capped at 64 MiB of output.
let inflateFuzzTarget = FuzzTarget(name: "inflate", seeds: []) { data in
    var pos = 0
    var produced = 0
    var crc: UInt32 = 0
    let z = GzipInflater { buf in
        let n = min(buf.count, data.count - pos)
        if n > 0 { buf.baseAddress!.copyMemory(from: UnsafeRawPointer(data.baseAddress! + pos), byteCount: n) }
        pos += n
        return n
    }
    do {
        try z.run { chunk in
            produced += chunk.count
            crc = CRC32.update(crc, chunk.baseAddress!, chunk.count)
            if produced > 64 << 20 { throw GzipError.lengthError }
        }
        return "ok members=\(z.members) bytes=\(produced) crc=\(crc) trailing=\(z.trailingGarbage)"
    } catch let e as GzipError {
        return "error \(e.message)"
    } catch {
        return "error"
    }
}
