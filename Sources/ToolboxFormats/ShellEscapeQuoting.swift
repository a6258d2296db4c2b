// gnulib quotearg's shell-escape-always style in the C locale: how GNU
// stat's %N and coreutils' error messages (quoteaf) quote a file name.

/// `'name'`; control and non-ASCII bytes as `'$'\n''` / `'$'\351''` runs;
/// a single quote as `'\''`, except that a name whose only special
/// character is `'` is put in double quotes (`"it's"`), as gnulib does.
public func shellEscapeAlwaysQuoted(_ name: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x27]
    out.reserveCapacity(name.count + 2)
    var pendingEnd = false      // inside a $'...' run
    var sawQuote = false
    var allCompatible = true    // every byte also fine inside "..."
    for (i, c) in name.enumerated() {
        var escape: UInt8? = nil
        var compatible = false
        switch c {
        case 0x07: escape = 0x61
        case 0x08: escape = 0x62
        case 0x0C: escape = 0x66
        case 0x0A: escape = 0x6E
        case 0x0D: escape = 0x72
        case 0x09: escape = 0x74
        case 0x0B: escape = 0x76
        case 0x27:
            sawQuote = true
            out += [0x27, 0x5C, 0x27, 0x27]
            pendingEnd = false
            continue
        case 0x7B, 0x7D:   // { } alone
            compatible = name.count == 1
        case 0x23, 0x7E:   // # ~ first
            compatible = i == 0
        case 0x20:
            compatible = true
        case 0x25, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30...0x3A, 0x41...0x5A, 0x5D, 0x5F, 0x61...0x7A:
            compatible = true
        case 0x21...0x7E:
            compatible = false
        default:
            // Not printable in the C locale: three octal digits.
            if !pendingEnd { out += [0x27, 0x24, 0x27]; pendingEnd = true }
            out += [0x5C, 0x30 + (c >> 6), 0x30 + ((c >> 3) & 7), 0x30 + (c & 7)]
            allCompatible = false
            continue
        }
        if let e = escape {
            if !pendingEnd { out += [0x27, 0x24, 0x27]; pendingEnd = true }
            out += [0x5C, e]
            allCompatible = false
            continue
        }
        if pendingEnd { out += [0x27, 0x27]; pendingEnd = false }
        out.append(c)
        if !compatible { allCompatible = false }
    }
    if sawQuote && allCompatible { return [0x22] + name + [0x22] }
    out.append(0x27)
    return out
}

/// gnulib's shell-escape style (quotef: coreutils' file names in messages):
/// the name as it is when the shell would read it unchanged, else
/// `shellEscapeAlwaysQuoted`.
public func shellEscapeQuoted(_ name: [UInt8]) -> [UInt8] {
    if name.isEmpty { return [0x27, 0x27] }
    for (i, c) in name.enumerated() {
        switch c {
        case 0x25, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30...0x3A, 0x40...0x5A, 0x5D, 0x5F, 0x61...0x7A: continue
        case 0x23, 0x7E: if i != 0 { continue }
        case 0x7B, 0x7D: if name.count != 1 { continue }
        default: break
        }
        return shellEscapeAlwaysQuoted(name)
    }
    return name
}
