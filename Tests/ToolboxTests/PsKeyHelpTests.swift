import Foundation
@testable import ToolboxApplets
import ToolboxCore
import XCTest

/// `ps --help` lists the -o keys from psKeyTable itself (issue 10: the
/// column table carries its help text, so the help and -o cannot drift).
final class PsKeyHelpTests: XCTestCase {
    func testEveryKeyIsInTheHelpAndWorksWithDashO() {
        let help = runToolbox(["ps", "--help"])
        XCTAssertEqual(help.code, 0)
        let keysPart = help.out.components(separatedBy: "Keys (-o, --sort; aliases after the first name):\n")
        XCTAssertEqual(keysPart.count, 2, "no key list in ps --help")
        var listed: [String] = []
        for line in keysPart.last!.split(separator: "\n") {
            // "  name alias alias      HEADER   help": names up to column 28.
            let names = line.prefix(28).split(separator: " ").map(String.init)
            listed += names
        }
        XCTAssertEqual(listed.sorted(), psKeyTable.map(\.name).sorted(), "keys in ps --help vs psKeyTable")
        for k in psKeyTable {
            // An alias has a key listed with help.
            if k.help.isEmpty {
                XCTAssertTrue(psKeyTable.contains { !$0.help.isEmpty && $0.key == k.key }, "\(k.name): alias of no listed key")
            }
            // Every listed key is accepted by -o and prints its header.
            let r = runToolbox(["ps", "-o", k.name, "-p", "\(getpid())"])
            XCTAssertEqual(r.code, 0, "\(k.name): \(r.err)")
            XCTAssertEqual(r.out.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }, k.header, k.name)
        }
    }

    /// top's fields share the table: where a field shows what a ps key
    /// shows, `top --help` describes it with that key's help.
    func testTopFieldsDescribedFromThePsTable() {
        let help = runToolbox(["top", "--help"])
        XCTAssertEqual(help.code, 0)
        let part = help.out.components(separatedBy: "Fields (-o; ps's key where it shows the same):\n")
        XCTAssertEqual(part.count, 2, "no field list in top --help")
        let lines = part[1].split(separator: "\n")
        XCTAssertEqual(lines.map { String($0.split(separator: " ")[0]) }, topFields)
        var shared = 0
        for (line, f) in zip(lines, topFieldTable) {
            guard let key = f.psKey else { XCTAssertTrue(line.hasSuffix(f.help), String(line)); continue }
            let info = psKeyTable.first { $0.name == key }
            XCTAssertNotNil(info, "\(f.field): no ps key \(key)")
            XCTAssertFalse(info?.help.isEmpty ?? true, "\(key) is an alias")
            XCTAssertTrue(line.hasSuffix(info?.help ?? "?"), String(line))
            shared += 1
        }
        XCTAssertEqual(shared, 7)
    }
}
