import ToolboxCore

// The line editor for interactive use (busybox's lineedit.c in spirit):
// raw terminal mode, one redraw of the line per key, UTF-8 aware cursor
// moves, history with up/down and Ctrl-R search, Tab completion supplied by
// the shell. Bytes in, one line out; the terminal is restored after each line.

final class LineEditor {
    enum Result { case line(String), eof, interrupted }

    var history: [String] = []
    /// Candidates for the word before the cursor: (replacement words, words to list).
    var complete: ((_ line: [UInt8], _ cursor: Int) -> (start: Int, candidates: [String], display: [String]))?

    private var buf: [UInt8] = []
    private var cursor = 0
    private var prompt: [UInt8] = []
    private let fd: Int32 = 0
    private var saved = termios()

    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in _ = try? FileDescriptor(rawValue: 1).writeAll(b) }
    }
    private func write(_ s: String) { write(Array(s.utf8)) }

    private func readByte() -> Int {
        var b: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &b, 1)
            if n == 1 { return Int(b) }
            if n < 0 && errno == EINTR { continue }
            return -1
        }
    }

    private func enterRaw() -> Bool {
        guard tcgetattr(fd, &saved) == 0 else { return false }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1; cc[Int(VTIME)] = 0
        }
        return tcsetattr(fd, TCSADRAIN, &raw) == 0
    }
    private func leaveRaw() { _ = tcsetattr(fd, TCSADRAIN, &saved) }

    /// Columns taken by bytes (one per UTF-8 scalar; continuation bytes take none).
    private func columns(_ bytes: ArraySlice<UInt8>) -> Int { bytes.reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) } }

    private func redraw() {
        var s: [UInt8] = [13]
        s += prompt
        s += buf
        s += Array("\u{1b}[K".utf8)
        let back = columns(buf[cursor...])
        if back > 0 { s += Array("\u{1b}[\(back)D".utf8) }
        write(s)
    }

    private func left() { if cursor > 0 { cursor -= 1; while cursor > 0 && (buf[cursor] & 0xC0) == 0x80 { cursor -= 1 } } }
    private func right() { if cursor < buf.count { cursor += 1; while cursor < buf.count && (buf[cursor] & 0xC0) == 0x80 { cursor += 1 } } }

    /// Reads one line with `prompt`. Not a terminal: plain reads, no editing.
    func readLine(prompt p: String) -> Result {
        prompt = Array(p.utf8)
        buf = []; cursor = 0
        guard enterRaw() else { return .eof }
        defer { leaveRaw() }
        write(prompt)
        var historyIndex = history.count
        var pending: [UInt8] = []   // the edited line while browsing history
        while true {
            let c = readByte()
            if c < 0 { write("\r\n"); return .eof }
            switch c {
            case 13, 10:
                cursor = buf.count; redraw(); write("\r\n")
                return .line(String(decoding: buf, as: UTF8.self))
            case 1: cursor = 0; redraw()                                    // Ctrl-A
            case 5: cursor = buf.count; redraw()                            // Ctrl-E
            case 2: left(); redraw()                                        // Ctrl-B
            case 6: right(); redraw()                                       // Ctrl-F
            case 3: write("^C\r\n"); return .interrupted                    // Ctrl-C
            case 4:                                                         // Ctrl-D
                if buf.isEmpty { write("\r\n"); return .eof }
                deleteAtCursor(); redraw()
            case 8, 127:                                                    // Backspace
                if cursor > 0 { let end = cursor; left(); buf.removeSubrange(cursor..<end); redraw() }
            case 11: buf.removeSubrange(cursor...); redraw()                // Ctrl-K
            case 21: buf.removeSubrange(..<cursor); cursor = 0; redraw()    // Ctrl-U
            case 23:                                                        // Ctrl-W
                var start = cursor
                while start > 0 && buf[start - 1] == 32 { start -= 1 }
                while start > 0 && buf[start - 1] != 32 { start -= 1 }
                buf.removeSubrange(start..<cursor); cursor = start; redraw()
            case 12: write("\u{1b}[H\u{1b}[2J"); redraw()                  // Ctrl-L
            case 9: completeWord()                                          // Tab
            case 18:                                                        // Ctrl-R
                if let r = reverseSearch() { return r }
            case 27:                                                        // escape sequences
                let d = readByte()
                if d == 91 || d == 79 {
                    var e = readByte()
                    var num = 0
                    // saturating: a pasted `ESC [ 99999999999999999999 ~` must not trap
                    while e >= 48 && e <= 57 { if num < 100_000 { num = num * 10 + e - 48 }; e = readByte() }
                    switch e {
                    case 68: left(); redraw()                               // Left
                    case 67: right(); redraw()                              // Right
                    case 72: cursor = 0; redraw()                           // Home
                    case 70: cursor = buf.count; redraw()                   // End
                    case 65, 66:                                            // Up, Down
                        if historyIndex == history.count { pending = buf }
                        if e == 65 { if historyIndex > 0 { historyIndex -= 1 } }
                        else if historyIndex < history.count { historyIndex += 1 }
                        buf = historyIndex == history.count ? pending : Array(history[historyIndex].utf8)
                        cursor = buf.count; redraw()
                    case 126:
                        if num == 3 { deleteAtCursor(); redraw() }          // Delete
                        else if num == 1 || num == 7 { cursor = 0; redraw() }
                        else if num == 4 || num == 8 { cursor = buf.count; redraw() }
                    default: break
                    }
                }
            default:
                if c >= 32 {
                    buf.insert(UInt8(c), at: cursor); cursor += 1
                    // the rest of a UTF-8 sequence
                    var more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0
                    while more > 0 { let n = readByte(); if n < 0 { break }; buf.insert(UInt8(n), at: cursor); cursor += 1; more -= 1 }
                    redraw()
                }
            }
        }
    }

    private func deleteAtCursor() {
        guard cursor < buf.count else { return }
        var end = cursor + 1
        while end < buf.count && (buf[end] & 0xC0) == 0x80 { end += 1 }
        buf.removeSubrange(cursor..<end)
    }

    /// Ctrl-R: incremental search backwards through history.
    private func reverseSearch() -> Result? {
        var query: [UInt8] = []
        var index = history.count
        var match = ""
        func find(from: Int) -> Int? {
            var i = from - 1
            while i >= 0 {
                if query.isEmpty || history[i].utf8.count >= query.count && containsBytes(Array(history[i].utf8), query) { return i }
                i -= 1
            }
            return nil
        }
        func show() {
            write("\r(reverse-i-search)`" + String(decoding: query, as: UTF8.self) + "': " + match + "\u{1b}[K")
        }
        show()
        while true {
            let c = readByte()
            switch c {
            case -1: return .eof
            case 18:
                if let i = find(from: index) { index = i; match = history[i] }
                show()
            case 127, 8:
                if !query.isEmpty { query.removeLast() }
                index = history.count
                if let i = find(from: index) { index = i; match = history[i] } else { match = "" }
                show()
            case 7, 27, 3:
                buf = []; cursor = 0; redraw(); return nil
            case 13, 10:
                buf = Array(match.utf8); cursor = buf.count; redraw(); write("\r\n")
                return .line(match)
            default:
                if c >= 32 {
                    query.append(UInt8(c))
                    if let i = find(from: min(index + 1, history.count)) { index = i; match = history[i] } else { match = "" }
                    show()
                } else {
                    buf = Array(match.utf8); cursor = buf.count; redraw(); return nil
                }
            }
        }
    }

    private func completeWord() {
        guard let complete else { return }
        let (start, candidates, display) = complete(buf, cursor)
        guard !candidates.isEmpty else { write([7]); return }
        let current = Array(buf[start..<cursor])
        var common = Array(candidates[0].utf8)
        for c in candidates.dropFirst() {
            let u = Array(c.utf8)
            var n = 0
            while n < common.count && n < u.count && common[n] == u[n] { n += 1 }
            common = Array(common[0..<n])
        }
        if candidates.count == 1 {
            var replacement = common
            if let last = replacement.last, last != 47 { replacement.append(32) }
            buf.replaceSubrange(start..<cursor, with: replacement)
            cursor = start + replacement.count
            redraw(); return
        }
        if common.count > current.count {
            buf.replaceSubrange(start..<cursor, with: common)
            cursor = start + common.count
            redraw(); return
        }
        // list the candidates under the line, then redraw it
        var text = "\r\n"
        let width = (display.map { $0.utf8.count }.max() ?? 0) + 2
        let perRow = max(1, 80 / width)
        for (i, d) in display.enumerated() {
            text += d + String(repeating: " ", count: max(0, width - d.utf8.count))
            if (i + 1) % perRow == 0 { text += "\r\n" }
        }
        if display.count % perRow != 0 { text += "\r\n" }
        write(text)
        redraw()
    }
}

func containsBytes(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
    if needle.isEmpty { return true }
    if needle.count > hay.count { return false }
    for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
        if Array(hay[i..<i + needle.count]) == needle { return true }
    }
    return false
}
