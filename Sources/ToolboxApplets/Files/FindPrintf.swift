import ToolboxCore

/// find -printf and -ls output (findutils print.c and listfile.c).
struct FindPrinter {
    var field: [UInt8] = []
    // -ls column widths: minimums, widened as wider values are seen (GNU).
    var inodeWidth = 9, blocksWidth = 6, ownerWidth = 8, groupWidth = 8, sizeWidth = 8
    var majorWidth = 3, minorWidth = 3

    mutating func render(_ f: FindFormat, walker w: FindWalker, _ e: inout FindWalker.Entry) {
        let out = w.out
        for piece in f.pieces {
            switch piece {
            case .literal(let b): out.write(b)
            case .stop: out.flush(); return
            case .directive(let d):
                field.removeAll(keepingCapacity: true)
                var numeric = false
                directive(d, w, &e, &numeric)
                pad(out, d, numeric: numeric)
            }
        }
    }

    func pad(_ out: OutputWriter, _ d: FindFormat.Directive, numeric: Bool) {
        var n = field.count
        if let p = d.precision, !numeric, p < n { n = p }
        let fill = d.width > n ? d.width - n : 0
        if d.leftAlign {
            field.withUnsafeBufferPointer { out.write(Bytes(rebasing: $0[0..<n])) }
            for _ in 0..<fill { out.byte(0x20) }
        } else {
            for _ in 0..<fill { out.byte(numeric && d.zeroPad ? 0x30 : 0x20) }
            field.withUnsafeBufferPointer { out.write(Bytes(rebasing: $0[0..<n])) }
        }
    }

    mutating func number<T: BinaryInteger>(_ v: T) { field += Array(String(v).utf8) }

    mutating func directive(_ d: FindFormat.Directive, _ w: FindWalker, _ e: inout FindWalker.Entry, _ numeric: inout Bool) {
        let path = w.path
        func lastSlash() -> Int? { path.lastIndex(of: 0x2F) }
        switch d.letter {
        case 0x70: field += path                                      // %p
        case 0x66:                                                    // %f
            if e.selfFD != nil {
                // gnulib base_name: the last component with its trailing slashes.
                var end = path.count
                while end > 1 && path[end - 1] == 0x2F { end -= 1 }
                var start = end
                while start > 0 && path[start - 1] != 0x2F { start -= 1 }
                if start == end { start = 0 }
                field += path[start...]
            }
            else { field += UnsafeRawBufferPointer(start: e.name, count: strlen(e.name)) }
        case 0x68:                                                    // %h
            if e.selfFD != nil {
                let p = String(decoding: path, as: UTF8.self)
                var u = Array(p.utf8)
                while u.count > 1 && u.last == 0x2F { u.removeLast() }
                if let s = u.lastIndex(of: 0x2F) { field += u[0..<s] } else { field.append(0x2E) }
            } else if let s = lastSlash() { field += path[0..<s] }
        case 0x50:                                                    // %P
            if e.selfFD == nil {
                var start = w.rootLength
                if start < path.count && path[start] == 0x2F { start += 1 }
                field += path[start...]
            }
        case 0x48: field += path[0..<w.rootLength]                    // %H
        case 0x64: number(e.depth)                                    // %d
        case 0x6C: if let t = w.linkTarget(&e) { field += t }         // %l
        case 0x79: field.append(typeLetter(e.st.map { UInt32($0.st_mode) } ?? (UInt32(e.type) << 12), e.type)) // %y
        case 0x59:                                                    // %Y
            if e.type == DirentType.symlink && e.target == nil {
                // Where the link points, resolved inside the container.
                if let o = try? w.session.opener.open(String(decoding: path, as: UTF8.self), flags: O_PATH),
                   let st = try? o.fd.stat() {
                    o.fd.close()
                    field.append(typeLetter(UInt32(st.st_mode), 0))
                } else {
                    field.append(errno == ELOOP ? 0x4C : 0x4E)
                }
            } else {
                guard let st = w.stat(&e) else { return }
                field.append(typeLetter(UInt32(st.st_mode), e.type))
            }
        default:
            guard let st = w.stat(&e) else { return }
            switch d.letter {
            case 0x73: number(Int64(st.st_size)); numeric = true          // %s
            case 0x6D:                                                   // %m
                let m = UInt32(st.st_mode) & 0o7777
                var s = String(m, radix: 8)
                if d.alternate && s != "0" { s = "0" + s }
                field += Array(s.utf8); numeric = true
            case 0x4D: modeString(UInt32(st.st_mode))                  // %M
            case 0x75:                                                   // %u
                if let n = w.names.users.name(st.st_uid) { field += Array(n.utf8) } else { number(st.st_uid) }
            case 0x67:
                if let n = w.names.groups.name(st.st_gid) { field += Array(n.utf8) } else { number(st.st_gid) }
            case 0x55: number(st.st_uid); numeric = true
            case 0x47: number(st.st_gid); numeric = true
            case 0x69: number(UInt64(st.st_ino)); numeric = true
            case 0x6E: number(UInt64(st.st_nlink)); numeric = true
            case 0x44: number(UInt64(st.st_dev)); numeric = true
            case 0x62: number(Int64(st.st_blocks)); numeric = true
            case 0x6B: number((Int64(st.st_blocks) + 1) / 2); numeric = true
            case 0x53:                                                   // %S
                let size = Double(st.st_size)
                let v = size == 0 ? 1.0 : Double(st.st_blocks) * 512 / size
                field += cFormatted("%g", v).utf8
            case 0x61, 0x63, 0x74:                                       // %a %c %t
                ctimeFormat(statTime(st, d.letter == 0x74 ? 0x6D : d.letter))
            case 0x41, 0x43, 0x54:                                       // %Ak %Ck %Tk
                timeFormat(statTime(st, d.letter == 0x41 ? 0x61 : (d.letter == 0x43 ? 0x63 : 0x6D)), d.sub)
            case 0x46: field += Array("unknown".utf8)
            case 0x5A: field.append(0x3F)
            default: break
            }
        }
    }

    func typeLetter(_ mode: UInt32, _ fallback: UInt8) -> UInt8 {
        switch mode & S_IFMT {
        case S_IFREG: return 0x66
        case S_IFDIR: return 0x64
        case S_IFLNK: return 0x6C
        case S_IFBLK: return 0x62
        case S_IFCHR: return 0x63
        case S_IFIFO: return 0x70
        case S_IFSOCK: return 0x73
        default: return 0x55
        }
    }

    mutating func modeString(_ mode: UInt32) {
        field.append(typeLetter(mode, 0) == 0x66 ? 0x2D : typeLetter(mode, 0))
        let rwx: [UInt8] = [0x72, 0x77, 0x78]
        for k in 0..<9 {
            let bit = UInt32(1) << UInt32(8 - k)
            var c: UInt8 = mode & bit != 0 ? rwx[k % 3] : 0x2D
            if k % 3 == 2 {
                let special: UInt32 = k == 2 ? 0o4000 : (k == 5 ? 0o2000 : 0o1000)
                if mode & special != 0 {
                    let s: UInt8 = k == 8 ? 0x74 : 0x73
                    c = mode & bit != 0 ? s : s - 0x20
                }
            }
            field.append(c)
        }
    }

    func localTime(_ sec: Int64) -> tm? {
        var t = time_t(sec)
        var r = tm()
        return localtime_r(&t, &r) == nil ? nil : r
    }

    mutating func strf(_ fmt: String, _ t: tm) {
        var t = t
        var buf = [CChar](repeating: 0, count: 256)
        let n = strftime(&buf, 256, fmt, &t)
        field += buf[0..<n].map { UInt8(bitPattern: $0) }
    }

    mutating func nsSuffix(_ ns: Int) {
        var s = String(ns)
        while s.utf8.count < 9 { s = "0" + s }
        field += Array(("." + s + "0").utf8)
    }

    /// %a %c %t: findutils' ctime_format ("%a %b %e %H:%M:%S.NNNNNNNNN0 %Y").
    mutating func ctimeFormat(_ ts: (Int64, Int)) {
        guard let t = localTime(ts.0) else { number(ts.0); return }
        strf("%a %b %e %H:%M:%S", t)
        nsSuffix(ts.1)
        strf(" %Y", t)
    }

    /// %Tk: strftime's %k; @ is seconds since the epoch; @ S T X + carry
    /// the nanoseconds (findutils format_date).
    mutating func timeFormat(_ ts: (Int64, Int), _ k: UInt8) {
        if k == 0x40 { number(ts.0); nsSuffix(ts.1); return }
        guard let t = localTime(ts.0) else { number(ts.0); return }
        if k == 0x2B { strf("%F+%T", t); nsSuffix(ts.1); return }
        let ok = Array("aAbBcCdDeFgGhHIjklmMnNprRsStTuUVwWxXyYzZ".utf8)
        guard ok.contains(k) else { field += [0x25, k]; return }
        strf("%" + String(decoding: [k], as: UTF8.self), t)
        if k == 0x53 || k == 0x54 || k == 0x58 { nsSuffix(ts.1) }
    }

    /// -ls: `ls -dils` columns as findutils list_file prints them.
    mutating func listLong(walker w: FindWalker, _ e: inout FindWalker.Entry) {
        guard let st = w.stat(&e) else { return }
        let out = w.out
        func col(_ s: String, _ width: inout Int, left: Bool = false) {
            let n = s.utf8.count
            if n > width { width = n }
            if !left { for _ in n..<width { out.byte(0x20) } }
            out.write(s)
            if left { for _ in n..<max(n, width) { out.byte(0x20) } }
        }
        col(String(UInt64(st.st_ino)), &inodeWidth)
        out.byte(0x20)
        col(String((Int64(st.st_blocks) + 1) / 2), &blocksWidth)
        out.byte(0x20)
        field.removeAll(keepingCapacity: true)
        modeString(UInt32(st.st_mode))
        out.write(field)
        var nl = String(UInt64(st.st_nlink))
        while nl.utf8.count < 3 { nl = " " + nl }
        out.write(" " + nl + " ")
        if let n = w.names.users.name(st.st_uid) {
            col(n, &ownerWidth, left: true)
            out.byte(0x20)
        } else {
            // GNU's "%-8lu " counts its space into the owner width.
            var s = String(st.st_uid)
            while s.utf8.count < 8 { s += " " }
            s += " "
            out.write(s)
            ownerWidth = max(ownerWidth, s.utf8.count)
        }
        col(w.names.groups.name(st.st_gid) ?? String(st.st_gid), &groupWidth, left: true)
        out.byte(0x20)
        let mode = UInt32(st.st_mode) & S_IFMT
        if mode == S_IFCHR || mode == S_IFBLK {
            col(String(devMajor(UInt64(st.st_rdev))), &majorWidth)
            out.write(", ")
            col(String(devMinor(UInt64(st.st_rdev))), &minorWidth)
        } else {
            col(String(Int64(st.st_size)), &sizeWidth)
        }
        out.byte(0x20)
        let m = Int64(st.st_mtim.tv_sec)
        field.removeAll(keepingCapacity: true)
        if let t = localTime(m) {
            strf(w.now.0 - 6 * 30 * 24 * 60 * 60 <= m && m <= w.now.0 + 60 * 60 ? "%b %e %H:%M" : "%b %e  %Y", t)
        }
        out.write(field)
        out.byte(0x20)
        quoted(out, w.path)
        if mode == S_IFLNK, let t = w.linkTarget(&e) {
            out.write(" -> ")
            quoted(out, t)
        }
        out.byte(ASCII.newline)
    }

    /// findutils print_name_with_quoting (-ls).
    func quoted(_ out: OutputWriter, _ s: [UInt8]) {
        for c in s {
            switch c {
            case 0x5C: out.write("\\\\")
            case 0x0A: out.write("\\n")
            case 0x08: out.write("\\b")
            case 0x0D: out.write("\\r")
            case 0x09: out.write("\\t")
            case 0x0C: out.write("\\f")
            case 0x20: out.write("\\ ")
            case 0x22: out.write("\\\"")
            default:
                if c > 0x20 && c < 0x7F { out.byte(c) } else {
                    out.byte(0x5C)
                    out.byte(0x30 + (c >> 6)); out.byte(0x30 + ((c >> 3) & 7)); out.byte(0x30 + (c & 7))
                }
            }
        }
    }
}
