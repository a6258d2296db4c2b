import ToolboxCore
@testable import ToolboxApplets

/// tar --transform: the expression parser, regcomp of each regex, and the
/// rewrite of a few names in every scope. The input's first line is the
/// expression, the rest (at most 64 bytes) one more name.
let transformFuzzTarget = FuzzTarget(name: "transform", seeds: []) { data in
    let bytes = Array(data)
    let cut = bytes.firstIndex(of: 0x0A) ?? bytes.count
    var scope = TarTransformScope.all
    var r: String
    do throws(TarTransformError) {
        let xs = try parseTarTransform(Array(bytes[..<cut]), scope: &scope)
        r = "exprs=\(xs.count)"
    } catch { return error.message }
    let t: TarTransform
    do { t = try TarTransform([String(decoding: bytes[..<cut], as: UTF8.self)]) } catch { return r + " " + "\(error)" }
    let tail = cut < bytes.count ? Array(bytes[(cut + 1)...].prefix(64)) : []
    for name in [Array("src/d/File.txt".utf8), Array("aaa".utf8), [], tail] {
        for s in [TarTransformScope.names, TarTransformScope.symlinks, TarTransformScope.hardLinks] {
            let out = t.apply(name, s)
            var h: UInt32 = 2166136261
            for b in out { h = (h ^ UInt32(b)) &* 16777619 }
            r += " \(out.count):\(h)"
        }
    }
    return r
}
