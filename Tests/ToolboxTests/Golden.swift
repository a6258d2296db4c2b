import Foundation
import XCTest

/// Compares `actual` with Tests/Fixtures/<relative>; with UPDATE_GOLDEN=1 in
/// the environment the file is (re)written instead and the test fails so a
/// re-record is never mistaken for a pass.
func assertGolden(_ actual: String, _ relative: String, file: StaticString = #filePath, line: UInt = #line) {
    let path = fixturePath(relative)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        try? actual.write(toFile: path, atomically: true, encoding: .utf8)
        XCTFail("recorded \(relative); run again without UPDATE_GOLDEN", file: file, line: line)
        return
    }
    guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
        XCTFail("missing golden file \(relative) (record with UPDATE_GOLDEN=1)", file: file, line: line)
        return
    }
    if expected != actual {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var firstDiff = 0
        while firstDiff < min(e.count, a.count), e[firstDiff] == a[firstDiff] { firstDiff += 1 }
        XCTFail("""
            \(relative) differs at line \(firstDiff + 1):
              expected: \(firstDiff < e.count ? String(e[firstDiff]) : "<end>")
              actual:   \(firstDiff < a.count ? String(a[firstDiff]) : "<end>")
            """, file: file, line: line)
    }
}
