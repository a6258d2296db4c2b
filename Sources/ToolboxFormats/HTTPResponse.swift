/// HTTP/1.1 responses (RFC 9112): the status line and header fields, and
/// the body framing (chunked transfer coding, Content-Length, or until
/// close). Pure and streaming: the head parser looks at the bytes received
/// so far and says "need more" until the blank line; the chunked decoder is
/// a state machine fed buffer by buffer that hands body slices to a sink
/// without copying. Every size is capped: the head (`maxHeadBytes`), the
/// number of fields, a chunk-size line, the trailer section.

public struct HTTPHeaderField: Equatable, Sendable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

public struct HTTPResponseHead: Equatable, Sendable {
    public var version: String      // "HTTP/1.1"
    public var status: Int
    public var reason: String
    public var fields: [HTTPHeaderField] = []
    /// Bytes of the head including the final CRLF CRLF.
    public var length: Int
    /// The raw head as received (curl -i, wget -S print it).
    public var raw: [UInt8]

    /// The last value of a field (case-insensitive name).
    public func value(_ name: String) -> String? {
        let l = name.lowercased()
        return fields.last(where: { $0.name.lowercased() == l })?.value
    }

    public var isChunked: Bool {
        guard let te = value("transfer-encoding") else { return false }
        return te.lowercased().split(separator: ",").last.map { $0.trimmingSpaces() == "chunked" } ?? false
    }

    /// Content-Length when present and valid (digits only, fits in Int64).
    public var contentLength: Int64? {
        guard let v = value("content-length") else { return nil }
        let t = v.trimmingSpaces()
        guard !t.isEmpty, t.count <= 18, t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(t)
    }
}

public enum HTTPError: Error, Equatable, Sendable {
    case headTooLarge
    case malformedStatusLine
    case malformedField
    case tooManyFields
    case badChunk
}

extension Substring {
    func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
extension String {
    func trimmingSpaces() -> String { Substring(self).trimmingSpaces() }
}

extension HTTPResponseHead {
    /// curl's default limit on a response head (CURL_MAX_HTTP_HEADER 100 KiB).
    public static let maxHeadBytes = 100 * 1024
    public static let maxFields = 1000

    /// Parses the head from the start of `bytes`: nil while the blank line
    /// has not arrived (and fewer than `maxHeadBytes` are buffered). Lines
    /// may end in CRLF or a bare LF (as curl accepts).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> HTTPResponseHead? {
        // Find the end of the head: an empty line.
        var end = -1
        var lineStart = 0
        var i = 0
        let n = min(bytes.count, maxHeadBytes)
        while i < n {
            if bytes[i] == 0x0A {
                let lineLen = i - lineStart
                if lineLen == 0 || (lineLen == 1 && bytes[lineStart] == 0x0D) {
                    if lineStart > 0 { end = i + 1; break }
                }
                lineStart = i + 1
            }
            i += 1
        }
        if end < 0 {
            if bytes.count >= maxHeadBytes { throw .headTooLarge }
            return nil
        }
        let raw = Array(bytes[0..<end])
        var lines: [ArraySlice<UInt8>] = []
        var s = 0
        for j in 0..<end where raw[j] == 0x0A {
            var e = j
            if e > s && raw[e - 1] == 0x0D { e -= 1 }
            lines.append(raw[s..<e]); s = j + 1
        }
        guard let status = lines.first else { throw .malformedStatusLine }
        // HTTP/x.y SP 3DIGIT [SP reason]
        let st = String(decoding: status, as: UTF8.self)
        let parts = st.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(parts[1]) else { throw .malformedStatusLine }
        var head = HTTPResponseHead(version: String(parts[0]), status: code, reason: parts.count > 2 ? String(parts[2]) : "",
                                    fields: [], length: end, raw: raw)
        for line in lines.dropFirst() where !line.isEmpty {
            if line.first == 0x20 || line.first == 0x09 {
                // obs-fold: continuation of the previous value (RFC 9112 5.2).
                guard !head.fields.isEmpty else { throw .malformedField }
                head.fields[head.fields.count - 1].value += " " + String(decoding: line, as: UTF8.self).trimmingSpaces()
                continue
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else { throw .malformedField }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard !name.contains(where: { $0 == " " || $0 == "\t" }) else { throw .malformedField }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            head.fields.append(HTTPHeaderField(name: name, value: value))
            if head.fields.count > maxFields { throw .tooManyFields }
        }
        return head
    }

    public static func parse(_ bytes: [UInt8]) throws(HTTPError) -> HTTPResponseHead? {
        let res = bytes.withUnsafeBytes { r in Result { () throws(HTTPError) in try parse(r) } }
        return try res.get()
    }
}

/// The chunked transfer coding (RFC 9112 7.1) as a state machine: `feed`
/// consumes as much of `input` as it can, passing data slices to `sink`,
/// and reports whether the last chunk and trailers have been seen.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable { case size, sizeExtension, sizeLF, data, dataCR, dataLF, trailerLineStart, trailer, trailerLF, done }
    var state = State.size
    var remaining: UInt64 = 0
    var sizeDigits = 0
    var trailerBytes = 0
    var sawDigit = false
    public private(set) var isDone = false
    /// The trailer section as received (field lines with their line ends),
    /// at most `maxTrailerBytes`; curl -i prints it after the body.
    public private(set) var trailers: [UInt8] = []

    /// Longest chunk size in hex digits (16 = 64 bits) and trailer section.
    static let maxSizeDigits = 16, maxTrailerBytes = 64 * 1024

    public init() {}

    /// Feeds bytes; returns how many were consumed (all of them unless the
    /// message ended inside `input`: the rest belongs to the next response).
    public mutating func feed(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) -> Void) throws(HTTPError) -> Int {
        var i = 0
        let n = input.count
        while i < n {
            switch state {
            case .data:
                let take = Int(min(UInt64(n - i), remaining))
                sink(UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                i += take; remaining -= UInt64(take)
                if remaining == 0 { state = .dataCR }
                continue
            case .done:
                return i
            default: break
            }
            let c = input[i]; i += 1
            switch state {
            case .size:
                if let h = ASCII.hexValue(c) {
                    sizeDigits += 1
                    if sizeDigits > ChunkedDecoder.maxSizeDigits { throw .badChunk }
                    remaining = remaining << 4 | UInt64(h); sawDigit = true
                } else if c == 0x3B || c == 0x20 || c == 0x09 {
                    guard sawDigit else { throw .badChunk }
                    state = .sizeExtension
                } else if c == 0x0D { guard sawDigit else { throw .badChunk }; state = .sizeLF }
                else if c == 0x0A { guard sawDigit else { throw .badChunk }; try endSizeLine() }
                else { throw .badChunk }
            case .sizeExtension:
                trailerBytes += 1
                if trailerBytes > ChunkedDecoder.maxTrailerBytes { throw .badChunk }
                if c == 0x0D { state = .sizeLF } else if c == 0x0A { try endSizeLine() }
            case .sizeLF:
                guard c == 0x0A else { throw .badChunk }
                try endSizeLine()
            case .dataCR:
                if c == 0x0D { state = .dataLF } else if c == 0x0A { startSize() } else { throw .badChunk }
            case .dataLF:
                guard c == 0x0A else { throw .badChunk }
                startSize()
            case .trailerLineStart:
                if c == 0x0D { state = .trailerLF }
                else if c == 0x0A { state = .done; isDone = true }
                else { state = .trailer; try countTrailer(); trailers.append(c) }
            case .trailer:
                try countTrailer()
                trailers.append(c)
                if c == 0x0A { state = .trailerLineStart }
            case .trailerLF:
                guard c == 0x0A else { throw .badChunk }
                state = .done; isDone = true
            case .data, .done: break
            }
        }
        return i
    }

    mutating func countTrailer() throws(HTTPError) {
        trailerBytes += 1
        if trailerBytes > ChunkedDecoder.maxTrailerBytes { throw .badChunk }
    }
    mutating func startSize() { state = .size; remaining = 0; sizeDigits = 0; sawDigit = false }
    mutating func endSizeLine() throws(HTTPError) {
        if remaining == 0 { state = .trailerLineStart } else { state = .data }
    }
}

/// A whole response in memory (for tests and fuzzing the two parsers
/// together): the head and the decoded body.
public struct HTTPResponse: Equatable, Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]
    /// False when the bytes ended before the framing said the body ends.
    public var complete: Bool

    /// Parses head and body from a complete capture. nil when the head is
    /// incomplete. A 1xx, 204 or 304 response, or one to HEAD, has no body.
    public static func parse(_ bytes: [UInt8], requestWasHead: Bool = false, maxBody: Int = 1 << 26) throws(HTTPError) -> HTTPResponse? {
        guard let head = try HTTPResponseHead.parse(bytes) else { return nil }
        var body: [UInt8] = []
        var complete = true
        let rest = bytes[head.length...]
        if requestWasHead || head.status / 100 == 1 || head.status == 204 || head.status == 304 {
            return HTTPResponse(head: head, body: [], complete: true)
        }
        if head.isChunked {
            var d = ChunkedDecoder()
            var overflow = false
            let fed = rest.withUnsafeBytes { r in
                Result { () throws(HTTPError) in
                    try d.feed(r) { slice in if body.count + slice.count <= maxBody { body += slice } else { overflow = true } }
                }
            }
            _ = try fed.get()
            if overflow { throw .badChunk }
            complete = d.isDone
        } else if let len = head.contentLength {
            let take = Int(min(Int64(rest.count), len, Int64(maxBody)))
            body = Array(rest.prefix(take))
            complete = Int64(take) == len
        } else {
            body = Array(rest.prefix(maxBody))
        }
        return HTTPResponse(head: head, body: body, complete: complete)
    }
}
