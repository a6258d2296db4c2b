import Foundation
@testable import ToolboxApplets
import ToolboxCore
import XCTest

/// top's row numbers written from integers against the C library's printf.
final class TopFormatTests: XCTestCase {
    func printf(_ format: String, _ args: CVarArg...) -> String {
        var buf = [CChar](repeating: 0, count: 128)
        _ = withVaList(args) { vsnprintf(&buf, buf.count, format, $0) }
        return String(cString: buf)
    }

    /// %5.1f: ties (x.x5 and their neighbours one ulp away), the shares top
    /// computes (ticks / hz / elapsed * 100, res * 100 / total), zero of
    /// both signs, large values, NaN and infinity, and 100,000 seeded
    /// random values over several magnitudes.
    func testFixedMatchesPrintf() {
        let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: 64)
        defer { scratch.deallocate() }
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 1.05, 2.5, 99.95, 100, 999.95, 1e7, 99_999_999.95, 1e8, 1e12,
                                -0.05, -1.5, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, 0.049999999999999996]
        for k in 0..<2000 {
            let tie = Double(k) / 10 + 0.05
            values += [tie, tie.nextUp, tie.nextDown]
        }
        for delta in 0..<400 { for elapsed in [0.15, 0.1500001, 3.0, 2.9999, 1.0] { values.append(Double(delta) / 100 / elapsed * 100) } }
        for res in stride(from: 0, to: 2_000_000, by: 997) { values.append(Double(res) * 100 / 16_384_000) }
        var rng = SplitMix(seed: 0x70_9f00)
        for _ in 0..<100_000 {
            let scale = [1.0, 10, 100, 1000, 1e6, 1e8][Int(rng.next() % 6)]
            values.append(Double(rng.next() >> 11) / Double(1 << 53) * scale)
        }
        var mismatches: [String] = []
        for v in values {
            var b: [UInt8] = []
            appendFixed51(&b, v, scratch: scratch)
            let want = printf("%5.1f", v)
            if String(decoding: b, as: UTF8.self) != want { mismatches.append("\(v): \(String(decoding: b, as: UTF8.self)) vs \(want)") }
        }
        XCTAssertEqual(mismatches.prefix(10), [])
        XCTAssertGreaterThan(values.count, 100_000)
    }

    /// %*d for the widths top uses, on edges and seeded random values.
    func testDecimalMatchesPrintf() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 999_999, 1_000_000, Int64.max, Int64.min, Int64.min + 1]
        var rng = SplitMix(seed: 0xdec)
        for _ in 0..<20_000 { values.append(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64)) }
        for v in values {
            for w in [0, 1, 3, 5, 6, 7, 9, 22] {
                var b: [UInt8] = [0x41]
                appendDecimal(&b, v, width: w)
                XCTAssertEqual(String(decoding: b, as: UTF8.self), "A" + printf("%*lld", Int32(w), v), "\(v) width \(w)")
            }
        }
    }
}
