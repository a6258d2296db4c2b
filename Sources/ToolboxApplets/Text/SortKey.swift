import ToolboxCore

/// One sort key (`-k POS1[,POS2][OPTS]`, or the whole line) and how to
/// compare it, following GNU sort's begfield/limfield/keycompare in the
/// C locale: fields are separated by a -t byte, or start at a blank run.
struct SortKey {
    var startField = 0, startChar = 0          // 0-based
    var endField = Int.max, endChar = 0        // endChar 0: end of the field
    var skipStartBlanks = false, skipEndBlanks = false
    var numeric = false, human = false, version = false, general = false
    var fold = false, dictionary = false, nonPrinting = false
    var reverse = false

    /// True when the key has no ordering option of its own (GNU then gives it the global ones).
    var hasNoOptions: Bool {
        !(skipStartBlanks || skipEndBlanks || numeric || human || version || general || fold || dictionary || nonPrinting || reverse)
    }
    var needsBytewiseOnly: Bool { !(numeric || human || version || general || fold || dictionary || nonPrinting) }
}

@inline(__always) func isSortBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A }
@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) private func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

/// The comparator over lines given as (pointer, length).
struct SortComparator {
    var keys: [SortKey]
    var tab: Int32 = -1            // -t byte, or -1 for blank-separated fields
    var lastResort = true          // compare whole lines when keys tie (not with -s or -u)
    var globalReverse = false

    /// GNU begfield: where `key` starts in `line[0..<n]`.
    @inline(__always) func keyStart(_ p: UnsafePointer<UInt8>, _ n: Int, _ key: SortKey) -> Int {
        var i = 0
        var sword = key.startField
        if tab >= 0 {
            let t = UInt8(tab)
            while i < n && sword > 0 { while i < n && p[i] != t { i += 1 }; if i < n { i += 1 }; sword -= 1 }
        } else {
            while i < n && sword > 0 {
                while i < n && isSortBlank(p[i]) { i += 1 }
                while i < n && !isSortBlank(p[i]) { i += 1 }
                sword -= 1
            }
        }
        if key.skipStartBlanks { while i < n && isSortBlank(p[i]) { i += 1 } }
        return min(n, i + key.startChar)
    }

    /// GNU limfield: where `key` ends.
    @inline(__always) func keyEnd(_ p: UnsafePointer<UInt8>, _ n: Int, _ key: SortKey) -> Int {
        if key.endField == Int.max { return n }
        var i = 0
        var eword = key.endField
        let echar = key.endChar
        if echar == 0 { eword += 1 }
        if tab >= 0 {
            let t = UInt8(tab)
            while i < n && eword > 0 {
                while i < n && p[i] != t { i += 1 }
                eword -= 1
                if i < n && (eword > 0 || echar != 0) { i += 1 }
            }
        } else {
            while i < n && eword > 0 {
                while i < n && isSortBlank(p[i]) { i += 1 }
                while i < n && !isSortBlank(p[i]) { i += 1 }
                eword -= 1
            }
        }
        if echar != 0 {
            if key.skipEndBlanks { while i < n && isSortBlank(p[i]) { i += 1 } }
            i = min(n, i + echar)
        }
        return i
    }

    /// The first key's bounds in a line, packed (start << 32 | end), so a
    /// sort finds them once per line instead of once per comparison.
    func firstKeyBounds(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        let s = keyStart(p, n, keys[0]), e = max(keyEnd(p, n, keys[0]), s)
        return UInt64(s) << 32 | UInt64(e)
    }

    /// Negative, zero or positive as line a sorts before, with or after b.
    /// `boundsA`/`boundsB`: the first key's bounds from `firstKeyBounds`, if known.
    func compare(_ a: UnsafePointer<UInt8>, _ an: Int, _ b: UnsafePointer<UInt8>, _ bn: Int,
                 boundsA: UInt64? = nil, boundsB: UInt64? = nil) -> Int {
        for (index, key) in keys.enumerated() {
            var sa: Int, ea: Int, sb: Int, eb: Int
            if index == 0, let ba = boundsA, let bb = boundsB {
                sa = Int(ba >> 32); ea = Int(ba & 0xffff_ffff); sb = Int(bb >> 32); eb = Int(bb & 0xffff_ffff)
            } else {
                sa = keyStart(a, an, key); ea = keyEnd(a, an, key)
                sb = keyStart(b, bn, key); eb = keyEnd(b, bn, key)
            }
            if ea < sa { ea = sa }
            if eb < sb { eb = sb }
            var diff: Int
            if key.numeric || key.human {
                while sa < ea && isSortBlank(a[sa]) { sa += 1 }
                while sb < eb && isSortBlank(b[sb]) { sb += 1 }
                let ta = NumText(p: a + sa, n: ea - sa), tb = NumText(p: b + sb, n: eb - sb)
                if key.human {
                    diff = unitOrder(ta) - unitOrder(tb)
                    if diff == 0 { diff = numCompare(ta, tb) }
                } else {
                    diff = numCompare(ta, tb)
                }
            } else if key.general {
                diff = generalCompare(a + sa, ea - sa, b + sb, eb - sb)
            } else if key.version {
                diff = fileVersionCompare(a + sa, ea - sa, b + sb, eb - sb)
            } else if key.fold || key.dictionary || key.nonPrinting {
                diff = 0
                var i = sa, j = sb
                while true {
                    if key.dictionary || key.nonPrinting {
                        while i < ea && ignored(a[i], key) { i += 1 }
                        while j < eb && ignored(b[j], key) { j += 1 }
                    }
                    if !(i < ea && j < eb) { break }
                    var ca = a[i], cb = b[j]
                    if key.fold { if ca >= 0x61 && ca <= 0x7A { ca -= 0x20 }; if cb >= 0x61 && cb <= 0x7A { cb -= 0x20 } }
                    if ca != cb { diff = Int(ca) - Int(cb); break }
                    i += 1; j += 1
                }
                if diff == 0 { diff = (i < ea ? 1 : 0) - (j < eb ? 1 : 0) }
            } else {
                let la = ea - sa, lb = eb - sb
                let m = min(la, lb)
                diff = m == 0 ? 0 : Int(memcmp(a + sa, b + sb, m))
                if diff == 0 { diff = la - lb }
            }
            if diff != 0 { return key.reverse ? -diff : diff }
        }
        if !lastResort { return 0 }
        let m = min(an, bn)
        var diff = m == 0 ? 0 : Int(memcmp(a, b, m))
        if diff == 0 { diff = an - bn }
        return globalReverse ? -diff : diff
    }

    @inline(__always) private func ignored(_ c: UInt8, _ key: SortKey) -> Bool {
        if key.dictionary { return !(isSortBlank(c) || isDigit(c) || isAlpha(c)) }
        return !(c >= 0x20 && c <= 0x7E)
    }
}

/// A number's text, read as NUL-terminated (GNU terminates the key).
struct NumText {
    let p: UnsafePointer<UInt8>
    let n: Int
    @inline(__always) subscript(_ i: Int) -> UInt8 { i < n ? p[i] : 0 }
}

/// gnulib strnumcmp (decimal point '.', no thousands separator: the C locale).
func numCompare(_ a: NumText, _ b: NumText) -> Int {
    var i = 0, j = 0
    var ta = a[0], tb = b[0]
    func fracCompare(_ a: NumText, _ ia: Int, _ b: NumText, _ ib: Int) -> Int {
        var i = ia, j = ib
        var ta = a[i], tb = b[j]
        if ta == 0x2E && tb == 0x2E {
            repeat { i += 1; j += 1; ta = a[i]; tb = b[j] } while ta == tb && isDigit(ta)
            if isDigit(ta) && isDigit(tb) { return Int(ta) - Int(tb) }
            if isDigit(ta) { while ta == 0x30 { i += 1; ta = a[i] }; return isDigit(ta) ? 1 : 0 }
            if isDigit(tb) { while tb == 0x30 { j += 1; tb = b[j] }; return isDigit(tb) ? -1 : 0 }
            return 0
        } else if ta == 0x2E {
            repeat { i += 1; ta = a[i] } while ta == 0x30
            return isDigit(ta) ? 1 : 0
        } else if tb == 0x2E {
            repeat { j += 1; tb = b[j] } while tb == 0x30
            return isDigit(tb) ? -1 : 0
        }
        return 0
    }
    if ta == 0x2D {
        repeat { i += 1; ta = a[i] } while ta == 0x30
        if tb != 0x2D {
            if ta == 0x2E { repeat { i += 1; ta = a[i] } while ta == 0x30 }
            if isDigit(ta) { return -1 }
            while tb == 0x30 { j += 1; tb = b[j] }
            if tb == 0x2E { repeat { j += 1; tb = b[j] } while tb == 0x30 }
            return isDigit(tb) ? -1 : 0
        }
        repeat { j += 1; tb = b[j] } while tb == 0x30
        while ta == tb && isDigit(ta) { i += 1; ta = a[i]; j += 1; tb = b[j] }
        if (ta == 0x2E && !isDigit(tb)) || (tb == 0x2E && !isDigit(ta)) { return fracCompare(b, j, a, i) }
        let tmp = Int(tb) - Int(ta)
        var la = 0, lb = 0
        while isDigit(ta) { la += 1; i += 1; ta = a[i] }
        while isDigit(tb) { lb += 1; j += 1; tb = b[j] }
        if la != lb { return la < lb ? 1 : -1 }
        if la == 0 { return 0 }
        return tmp
    } else if tb == 0x2D {
        repeat { j += 1; tb = b[j] } while tb == 0x30
        if tb == 0x2E { repeat { j += 1; tb = b[j] } while tb == 0x30 }
        if isDigit(tb) { return 1 }
        while ta == 0x30 { i += 1; ta = a[i] }
        if ta == 0x2E { repeat { i += 1; ta = a[i] } while ta == 0x30 }
        return isDigit(ta) ? 1 : 0
    }
    while ta == 0x30 { i += 1; ta = a[i] }
    while tb == 0x30 { j += 1; tb = b[j] }
    while ta == tb && isDigit(ta) { i += 1; ta = a[i]; j += 1; tb = b[j] }
    if (ta == 0x2E && !isDigit(tb)) || (tb == 0x2E && !isDigit(ta)) { return fracCompare(a, i, b, j) }
    let tmp = Int(ta) - Int(tb)
    var la = 0, lb = 0
    while isDigit(ta) { la += 1; i += 1; ta = a[i] }
    while isDigit(tb) { lb += 1; j += 1; tb = b[j] }
    if la != lb { return la < lb ? -1 : 1 }
    if la == 0 { return 0 }
    return tmp
}

/// GNU sort -h: the SI suffix's rank (K=1 ... Q=10), negative for negative numbers, 0 for zero.
private func unitOrder(_ t: NumText) -> Int {
    let minus = t[0] == 0x2D
    var i = minus ? 1 : 0
    var nonzero = false
    var ch: UInt8
    repeat {
        ch = t[i]; i += 1
        while isDigit(ch) { if ch != 0x30 { nonzero = true }; ch = t[i]; i += 1 }
    } while ch == 0x2E
    guard nonzero else { return 0 }
    let order: Int
    switch ch {
    case 0x4B, 0x6B: order = 1
    case 0x4D: order = 2
    case 0x47: order = 3
    case 0x54: order = 4
    case 0x50: order = 5
    case 0x45: order = 6
    case 0x5A: order = 7
    case 0x59: order = 8
    case 0x52: order = 9
    case 0x51: order = 10
    default: order = 0
    }
    return minus ? -order : order
}

/// sort -g: strtod values; non-numbers first, then NaN, then numbers (GNU's order).
private func generalCompare(_ a: UnsafePointer<UInt8>, _ an: Int, _ b: UnsafePointer<UInt8>, _ bn: Int) -> Int {
    func value(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Bool, Double) {
        var s = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { s[k] = CChar(bitPattern: p[k]) }
        return s.withUnsafeBufferPointer { buf in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(buf.baseAddress!, &end)
            return (end! != UnsafeMutablePointer(mutating: buf.baseAddress!), v)
        }
    }
    let (oka, va) = value(a, an), (okb, vb) = value(b, bn)
    if !oka || !okb { return (oka ? 1 : 0) - (okb ? 1 : 0) }
    if va < vb { return -1 }
    if va > vb { return 1 }
    if va == vb { return 0 }
    return (va.isNaN ? 0 : 1) - (vb.isNaN ? 0 : 1)
}

// MARK: gnulib filevercmp (sort -V, ls -v)

private func fileSuffixPrefixLength(_ s: UnsafePointer<UInt8>, _ len: inout Int) -> Int {
    let n = len
    var prefix = 0
    var i = 0
    while true {
        if i == n { len = i; return prefix }
        i += 1
        prefix = i
        while i + 1 < n && s[i] == 0x2E && (isAlpha(s[i + 1]) || s[i + 1] == 0x7E) {
            i += 2
            while i < n && (isAlpha(s[i]) || isDigit(s[i]) || s[i] == 0x7E) { i += 1 }
        }
    }
}

@inline(__always) private func versionOrder(_ s: UnsafePointer<UInt8>, _ pos: Int, _ len: Int) -> Int {
    if pos == len { return -1 }
    let c = s[pos]
    if isDigit(c) { return 0 }
    if isAlpha(c) { return Int(c) }
    if c == 0x7E { return -1 }
    return Int(c) + 256
}

private func verrevcmp(_ s1: UnsafePointer<UInt8>, _ l1: Int, _ s2: UnsafePointer<UInt8>, _ l2: Int) -> Int {
    var p1 = 0, p2 = 0
    while p1 < l1 || p2 < l2 {
        var firstDiff = 0
        while (p1 < l1 && !isDigit(s1[p1])) || (p2 < l2 && !isDigit(s2[p2])) {
            let c1 = versionOrder(s1, p1, l1), c2 = versionOrder(s2, p2, l2)
            if c1 != c2 { return c1 - c2 }
            p1 += 1; p2 += 1
        }
        while p1 < l1 && s1[p1] == 0x30 { p1 += 1 }
        while p2 < l2 && s2[p2] == 0x30 { p2 += 1 }
        while p1 < l1 && p2 < l2 && isDigit(s1[p1]) && isDigit(s2[p2]) {
            if firstDiff == 0 { firstDiff = Int(s1[p1]) - Int(s2[p2]) }
            p1 += 1; p2 += 1
        }
        if p1 < l1 && isDigit(s1[p1]) { return 1 }
        if p2 < l2 && isDigit(s2[p2]) { return -1 }
        if firstDiff != 0 { return firstDiff }
    }
    return 0
}

func fileVersionCompare(_ a: UnsafePointer<UInt8>, _ alen: Int, _ b: UnsafePointer<UInt8>, _ blen: Int) -> Int {
    if alen == 0 { return blen == 0 ? 0 : -1 }
    if blen == 0 { return 1 }
    if a[0] == 0x2E {
        if b[0] != 0x2E { return -1 }
        let adot = alen == 1, bdot = blen == 1
        if adot { return bdot ? 0 : -1 }
        if bdot { return 1 }
        let adotdot = a[1] == 0x2E && alen == 2, bdotdot = b[1] == 0x2E && blen == 2
        if adotdot { return bdotdot ? 0 : -1 }
        if bdotdot { return 1 }
    } else if b[0] == 0x2E {
        return 1
    }
    var al = alen, bl = blen
    let ap = fileSuffixPrefixLength(a, &al)
    let bp = fileSuffixPrefixLength(b, &bl)
    let onePass = ap == al && bp == bl
    let r = verrevcmp(a, ap, b, bp)
    return r != 0 || onePass ? r : verrevcmp(a, al, b, bl)
}
