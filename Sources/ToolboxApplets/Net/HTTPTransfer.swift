import ToolboxCore

/// One HTTP/1.1 exchange for curl and wget: resolve (as the target would),
/// connect within the connect timeout, send the request, read the head
/// (capped at 100 KiB), then stream the body (Content-Length, chunked, or
/// until close) to a sink, all within the overall deadline.
struct HTTPRequest {
    var method = "GET"
    var url: HTTPURL
    var headers: [HTTPHeaderField] = []   // user headers; an empty value removes a default
    var body: [UInt8]? = nil
    var userAgent: String
    var defaultContentType: String? = nil
    /// GNU wget's head: Accept-Encoding and Connection after Accept, and
    /// Content-Type before Content-Length.
    var wgetStyle = false
}

enum TransferError: Error {
    case resolve(String, HostResolver.Failure)
    case connect(host: String, port: UInt16, Errno, millis: Int64)
    case connectTimeout(millis: Int64)
    case timeout(millis: Int64, bytes: Int64)
    case send(Errno)
    case receive(Errno)
    case badResponse(String)
    case emptyReply
    case partial(got: Int64, expected: Int64)
}

struct TransferTimes {
    var start: Int64 = 0, nameLookup: Int64 = 0, connect: Int64 = 0, startTransfer: Int64 = 0, total: Int64 = 0
}

struct TransferResult {
    var head: HTTPResponseHead
    var bodyBytes: Int64
    var remote: SocketAddress
    var times: TransferTimes
    var requestHead: String
    var trailers: [UInt8] = []
}

final class HTTPTransfer {
    let target: NetTarget
    var connectTimeoutMs: Int64? = nil
    var deadline: Int64? = nil          // monotonic ms for the whole operation (-m)
    var startedAt: Int64 = 0
    var verbose: ((String) -> Void)? = nil
    /// The file the body goes to (curl -o FILE), set by `onHead`: a
    /// Content-Length body is then spliced socket -> pipe -> file.
    var spliceTo: BodyFile? = nil
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)

    init(target: NetTarget) { self.target = target }
    deinit { buffer.deallocate() }

    func requestHead(_ r: HTTPRequest) -> String {
        var lines = ["\(r.method) \(r.url.path) HTTP/1.1"]
        // curl's order: Host, User-Agent, Accept, the user's headers,
        // then Content-Length and Content-Type for a body.
        let userNames = r.headers.map { $0.name.lowercased() }
        func add(_ n: String, _ v: String) { if !userNames.contains(n.lowercased()) { lines.append("\(n): \(v)") } }
        add("Host", r.url.hostHeader); add("User-Agent", r.userAgent); add("Accept", "*/*")
        if r.wgetStyle { add("Accept-Encoding", "identity"); add("Connection", "Keep-Alive") }
        for h in r.headers where !h.value.isEmpty { lines.append("\(h.name): \(h.value)") }
        if let b = r.body {
            if r.wgetStyle, let ct = r.defaultContentType { add("Content-Type", ct) }
            add("Content-Length", String(b.count))
            if !r.wgetStyle, let ct = r.defaultContentType { add("Content-Type", ct) }
        }
        return lines.joinedText("\r\n") + "\r\n\r\n"
    }

    /// Performs the request; `onHead` is called once with the final head and
    /// returns the body sink.
    func perform(_ r: HTTPRequest, onHead: (HTTPResponseHead) -> ((UnsafeRawBufferPointer) -> Bool)) throws(TransferError) -> TransferResult {
        var times = TransferTimes()
        times.start = monotonicMicros()
        let addrs: [[UInt8]]
        switch target.hostResolver().resolve(r.url.host) {
        case .success(let a): addrs = a
        case .failure(let f): throw .resolve(r.url.host, f)
        }
        times.nameLookup = monotonicMicros()
        var fd: FileDescriptor? = nil
        var remote = SocketAddress(address: addrs[0], port: r.url.port)
        var lastError = Errno(ECONNREFUSED)
        for a in addrs {
            let sa = SocketAddress(address: a, port: r.url.port)
            verbose?("*   Trying \(sa.isV6 ? "[\(sa.host)]" : sa.host):\(sa.port)...")
            var d = connectTimeoutMs.map { monotonicMillis() + $0 }
            if let all = deadline { d = min(d ?? all, all) }
            do throws(Errno) {
                let s = try target.namespace.socket(sa.family, Int32(SOCK_STREAM.rawValue), 0)
                do { try s.connect(to: sa, deadline: d) } catch { s.close(); throw error }
                fd = s; remote = sa; break
            } catch {
                lastError = error
                if error.rawValue == ETIMEDOUT {
                    let ms = (monotonicMicros() - times.start) / 1000
                    if let all = deadline, monotonicMillis() >= all { throw .connectTimeout(millis: ms) }
                    throw .connect(host: r.url.host, port: r.url.port, error, millis: ms)
                }
            }
        }
        guard let fd else { throw .connect(host: r.url.host, port: r.url.port, lastError, millis: (monotonicMicros() - times.start) / 1000) }
        defer { fd.close() }
        // Without -m the socket can block: one recv per buffer.
        if deadline == nil { fd.setNonBlocking(false) }
        times.connect = monotonicMicros()
        verbose?("* Connected to \(r.url.host) (\(remote.host)) port \(remote.port) (#0)")
        let head = requestHead(r)
        for line in head.split(separator: Character("\r\n"), omittingEmptySubsequences: false).dropLast() { verbose?("> " + line) }
        var out = Array(head.utf8)
        if let b = r.body { out += b }
        do { try out.withUnsafeBytes { b in Result { () throws(Errno) in try fd.sendAll(b, deadline: deadline) } }.get() }
        catch { throw .send(error) }

        // The head: read until it parses (skipping 1xx interim responses).
        var have = 0
        var respHead: HTTPResponseHead
        var total: Int64 = 0
        while true {
            let parsed: HTTPResponseHead?
            do { parsed = try HTTPResponseHead.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<have])) }
            catch { throw .badResponse(error == .headTooLarge ? "Too large response headers" : "Invalid response header") }
            if let h = parsed {
                if h.status / 100 == 1 && h.status != 101 {
                    let rest = have - h.length
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + h.length, byteCount: rest)
                    have = rest; continue
                }
                respHead = h; break
            }
            if have == buffer.count { throw .badResponse("Too large response headers") }
            let n: Int
            do { n = try fd.receive(into: UnsafeMutableRawBufferPointer(rebasing: buffer[have...]), deadline: deadline) }
            catch {
                if error.rawValue == ETIMEDOUT { throw .timeout(millis: (monotonicMicros() - times.start) / 1000, bytes: 0) }
                throw .receive(error)
            }
            if n == 0 {
                if have == 0 { throw .emptyReply }
                throw .badResponse("Invalid response header")
            }
            if times.startTransfer == 0 { times.startTransfer = monotonicMicros() }
            have += n
        }
        if respHead.version == "HTTP/1.0" { verbose?("* HTTP 1.0, assume close after body") }
        for line in String(decoding: respHead.raw, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            verbose?("< " + (line.hasSuffix("\r") ? String(line.dropLast()) : String(line)))
        }
        let sink = onHead(respHead)
        let noBody = r.method == "HEAD" || respHead.status == 204 || respHead.status == 304
        var leftover = have - respHead.length
        var startOffset = respHead.length
        if noBody { return TransferResult(head: respHead, bodyBytes: 0, remote: remote, times: finish(&times), requestHead: head) }
        var chunked: ChunkedDecoder? = respHead.isChunked ? ChunkedDecoder() : nil
        let length = chunked == nil ? respHead.contentLength : nil
        var stopped = false
        func deliver(_ b: UnsafeRawBufferPointer) throws(TransferError) -> Bool {
            if chunked != nil {
                var ok = true
                do {
                    _ = try chunked!.feed(b) { slice in
                        total += Int64(slice.count)
                        if ok && !sink(slice) { ok = false }
                    }
                } catch { throw .badResponse("invalid chunk encoding") }
                if !ok { stopped = true }
                return chunked!.isDone || !ok
            }
            var slice = b
            if let l = length, total + Int64(b.count) > l { slice = UnsafeRawBufferPointer(rebasing: b[0..<Int(l - total)]) }
            total += Int64(slice.count)
            if !sink(slice) { stopped = true; return true }
            return length.map { total >= $0 } ?? false
        }
        var finished = length == 0
        if leftover > 0 && !finished {
            finished = try deliver(UnsafeRawBufferPointer(rebasing: buffer[startOffset..<(startOffset + leftover)]))
        }
        if !finished, !stopped, chunked == nil, let l = length, let out = spliceTo {
            finished = try spliceBody(fd, out, length: l, total: &total, start: times.start)
        }
        while !finished {
            let n: Int
            do { n = try fd.receive(into: buffer, deadline: deadline) }
            catch {
                if error.rawValue == ETIMEDOUT { throw .timeout(millis: (monotonicMicros() - times.start) / 1000, bytes: total) }
                throw .receive(error)
            }
            if n == 0 {
                if let l = length, total < l { throw .partial(got: total, expected: l) }
                if chunked != nil { throw .partial(got: total, expected: -1) }
                break
            }
            finished = try deliver(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        _ = stopped; leftover = 0; startOffset = 0
        return TransferResult(head: respHead, bodyBytes: total, remote: remote, times: finish(&times), requestHead: head,
                              trailers: chunked?.trailers ?? [])
    }

    /// The rest of a Content-Length body with splice(2), without copying it
    /// through user space. Returns false (nothing lost) when splicing is not
    /// possible here, so the caller goes on with recv and the sink; true when
    /// the body is complete or the file refused a write (out.error set).
    func spliceBody(_ fd: FileDescriptor, _ out: BodyFile, length: Int64, total: inout Int64, start: Int64) throws(TransferError) -> Bool {
        guard let pipe = SplicePipe() else { return false }
        while total < length {
            let n: Int
            do { n = try pipe.fill(from: fd, count: Int(min(length - total, Int64(pipe.capacity)))) }
            catch {
                if error.rawValue == EAGAIN {
                    do { if try fd.waitReadable(deadline: deadline) { continue } } catch { throw .receive(error) }
                    throw .timeout(millis: (monotonicMicros() - start) / 1000, bytes: total)
                }
                if error.rawValue == EINVAL { return false }
                throw .receive(error)
            }
            if n == 0 { throw .partial(got: total, expected: length) }
            do { try pipe.drain(to: out.fd, count: n) }
            catch {
                guard error.rawValue == EINVAL else { out.error = error; return true }
                // The file takes no splice: what is in the pipe goes through the buffer.
                var left = n
                while left > 0 {
                    let k = pipe.read(into: buffer)
                    if k == 0 { break }
                    if !out.write(UnsafeRawBufferPointer(rebasing: buffer[0..<k])) { return true }
                    left -= k
                }
                total += Int64(n)
                return total >= length
            }
            total += Int64(n)
        }
        return true
    }

    func finish(_ t: inout TransferTimes) -> TransferTimes {
        t.total = monotonicMicros()
        if t.startTransfer == 0 { t.startTransfer = t.total }
        return t
    }
}

/// Writes a body to a file descriptor in large writes (curl -o, wget -O).
final class BodyFile {
    let fd: FileDescriptor
    var error: Errno? = nil
    init(fd: FileDescriptor) { self.fd = fd }
    func write(_ b: UnsafeRawBufferPointer) -> Bool {
        do { try fd.writeAll(b); return true } catch { self.error = error; return false }
    }
}

/// Reads a file named in -d @FILE / --post-data / --data-binary @FILE
/// (the debugger's own file: the user typed its name).
func readLocalFile(_ path: String) throws -> [UInt8] {
    if path == "-" {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }
    do { return try readTargetFile(root: nil, path, cap: 1 << 30) }
    catch { throw ToolError.failure("\(path): \(error.description)") }
}
