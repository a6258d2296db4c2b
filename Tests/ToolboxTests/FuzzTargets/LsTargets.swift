import ToolboxCore
@testable import ToolboxApplets

/// LS_COLORS (ToolboxFormats/LsColors.swift): the parser, then every
/// quoting style over the same bytes as a file name (ls quotes names a
/// container chose) and the colour suffix match on them.
let lsColorsFuzzTarget = FuzzTarget(name: "lscolors", seeds: []) { data in
    var r: String
    switch LsColors.parse(data) {
    case .success(let c):
        let defined = c.slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        let index = LsSuffixIndex(c)
        r = "ok slots=\(defined) suffixes=\(c.suffixes.count) target=\(c.linkAsTarget) match=\(data.isEmpty ? -1 : index.match(data) ?? -1)"
    case .failure(let e):
        r = "error=\(e)"
    }
    var sizes: [Int] = []
    var out: [UInt8] = []
    for style in QuotingStyle.allCases {
        for utf8 in [false, true] {
            out.removeAll(keepingCapacity: true)
            NameQuoter(style, alsoQuote: [0x20, 0x3A], utf8: utf8).quote(data, into: &out)
            sizes.append(out.count)
        }
    }
    return r + " quoted=\(sizes)"
}
