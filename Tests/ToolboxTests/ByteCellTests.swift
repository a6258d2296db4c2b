import ToolboxCore
import XCTest

/// ByteCell (ps's row buffer) and the word-at-a-time Bytes.lastIndex,
/// against Array and a reversed scan.
final class ByteCellTests: XCTestCase {
    func testAppendsAcrossGrowthMatchAnArray() {
        let cell = ByteCell(capacity: 16)
        var model: [UInt8] = []
        var rng = SplitMix(seed: 0xce11)
        for step in 0..<5000 {
            switch rng.next() % 6 {
            case 0:
                let b = UInt8(truncatingIfNeeded: rng.next()); cell.append(b); model.append(b)
            case 1:
                let chunk = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                chunk.withUnsafeBufferPointer { cell.append(contentsOf: $0) }; model += chunk
            case 2:
                let n = Int(rng.next() % 50); cell.append(repeating: 0x20, count: n); model += Array(repeating: 0x20, count: n)
            case 3:
                // A collection without contiguous storage.
                let lazy = (0..<Int(rng.next() % 40)).lazy.map { UInt8(truncatingIfNeeded: $0 &* 7) }
                cell.append(contentsOf: lazy); model += Array(lazy)
            case 4:
                // The cell's own bytes, possibly while it grows.
                let copy = Array(cell.bytes.suffix(Int(rng.next() % 200)))
                cell.append(contentsOf: cell.bytes.suffix(copy.count)); model += copy
            default:
                if step % 50 == 0 { cell.removeAll(); model.removeAll() } else {
                    let n = model.isEmpty ? 0 : Int(rng.next() % UInt64(model.count + 1)); cell.truncate(to: n); model.removeSubrange(n...)
                }
            }
            XCTAssertEqual(cell.count, model.count)
            if cell.count > 0 { XCTAssertEqual(cell[cell.count - 1], model.last) }
        }
        XCTAssertEqual(Array(cell.bytes), model)
        XCTAssertEqual(cell.first, model.first)
    }

    func testLastIndexMatchesAReversedScan() {
        let bytes: [UInt8] = [0x00, 0x29, 0x80, 0xFF, 0x29, 0x01, 0x7F, 0x28, 0x29, 0x00] + Array(repeating: 0x41, count: 30)
        for needle: UInt8 in [0x00, 0x29, 0x80, 0xFF, 0x41, 0x42, 0x01] {
            for len in 0...bytes.count {
                for offset in 0...min(9, bytes.count - len) {
                    let slice = Array(bytes[offset..<(offset + len)])
                    let want = slice.lastIndex(of: needle)
                    slice.withUnsafeBufferPointer { b in XCTAssertEqual(b.lastIndex(of: needle), want, "needle \(needle) len \(len)") }
                    bytes.withUnsafeBufferPointer { whole in
                        let r = UnsafeBufferPointer(rebasing: whole[offset..<(offset + len)])
                        XCTAssertEqual(r.lastIndex(of: needle), want, "rebased at \(offset), len \(len)")
                    }
                }
            }
        }
        XCTAssertNil(UnsafeBufferPointer<UInt8>(start: nil, count: 0).lastIndex(of: 0))
    }
}
