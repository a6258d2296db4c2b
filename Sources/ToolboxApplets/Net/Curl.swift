import ToolboxCore

let curlApplet = Applet(spec: AppletSpec(
    name: "curl",
    summary: "Transfer a URL over HTTP/1.1 as curl does, from the target's network namespace",
    usage: ["[-sSvfiIkL] [-o FILE|-O] [-X METHOD] [-H HEADER]... [-d DATA] [-m SECS] [-w FORMAT] [--pid PID] URL..."],
    details: """
    HTTP/1.1 over TCP: Content-Length, chunked and until-close bodies,
    redirects with -L (at most 50), 100-continue skipped, response heads
    capped at 100 KiB. https:// fails with "TLS is not supported by
    toolbox" (exit 1, curl's code for an unsupported protocol).
    Exit codes as curl's: 6 could not resolve host, 7 failed to connect,
    22 HTTP error with -f, 28 timeout, 47 too many redirects, 52 empty
    reply, 18 partial file, 23 write error, 8 bad response head.
    -w variables: http_code response_code time_namelookup time_connect
    time_starttransfer time_total size_download size_header
    speed_download url_effective remote_ip remote_port num_redirects
    content_type exitcode; \\n \\t \\r escapes.
    There is no progress meter.
    """,
    options: [
        .flag("s", "silent", "no error messages (unless -S)"),
        .flag("S", "show-error", "show errors even with -s"),
        .flag("v", "verbose", "print the request and response heads on stderr"),
        .flag("i", "include", "include the response head in the output"),
        .flag("I", "head", "HEAD request; print the response head"),
        .value("o", "output", "FILE", "write the body to FILE"),
        .flag("O", "remote-name", "write the body to a file named like the URL's last segment"),
        .value("X", "request", "METHOD", "request method"),
        .value("H", "header", "HEADER", "extra request header ('Name: value'; 'Name:' removes a default)"),
        .value("d", "data", "DATA", "POST data (@FILE reads a file, newlines removed)"),
        .value(nil, "data-binary", "DATA", "POST data as is (@FILE reads a file)"),
        .flag("L", "location", "follow redirects"),
        .value("m", "max-time", "SECS", "maximum time for the whole transfer"),
        .value(nil, "connect-timeout", "SECS", "maximum time to connect"),
        .value("w", "write-out", "FORMAT", "print FORMAT after the transfer"),
        .flag("f", "fail", "exit 22 on HTTP errors (>= 400), print no body"),
        .flag("k", "insecure", "accepted for compatibility (no TLS here)"),
        .value("A", "user-agent", "NAME", "User-Agent header"),
        .value(nil, "pid", "PID", "transfer from PID's network namespace, resolve with its resolver files"),
    ]), run: runCurl)

/// Seconds with microsecond precision, as curl's -w prints times.
func secondsText(_ micros: Int64) -> String {
    let m = max(0, micros)
    let frac = String(m % 1_000_000)
    return "\(m / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
}

func parseSeconds(_ spec: AppletSpec, _ name: String, _ text: String) throws -> Int64 {
    guard let v = Double(text), v >= 0, v < 1e9 else { throw spec.usageError("invalid \(name): '\(text)'") }
    return Int64(v * 1000)
}

@Sendable
func runCurl(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = curlApplet.spec
    let p = try spec.parse(args)
    let silent = p.has("silent"), showError = p.has("show-error"), verbose = p.has("verbose")
    func fail(_ code: Int32, _ message: String) -> Int32 {
        if !silent || showError { ctx.out.flush(); ctx.err.write("curl: (\(code)) \(message)\n") }
        return code
    }
    guard !p.operands.isEmpty else { throw spec.usageError("no URL specified") }
    let target = try NetTarget(ctx, pid: p.value("pid"))
    var body: [UInt8]? = nil
    var contentType: String? = nil
    for occ in p.occurrences where occ.key == "data" || occ.key == "data-binary" {
        guard let v = occ.value else { continue }
        var bytes: [UInt8]
        if v.hasPrefix("@") {
            bytes = try readLocalFile(String(v.dropFirst()))
            if occ.key == "data" { bytes.removeAll { $0 == 0x0A || $0 == 0x0D } }
        } else { bytes = Array(v.utf8) }
        if body == nil { body = bytes } else { body! += [0x26] + bytes }   // several -d join with '&'
        contentType = "application/x-www-form-urlencoded"
    }
    var headers: [HTTPHeaderField] = []
    for h in p.values("header") {
        guard let colon = h.firstIndex(of: ":") else { continue }
        headers.append(HTTPHeaderField(name: String(h[..<colon]), value: String(h[h.index(after: colon)...]).trimmingLeadingSpaces()))
    }
    let headOnly = p.has("head")
    let method = p.value("request") ?? (headOnly ? "HEAD" : body != nil ? "POST" : "GET")
    let maxTime = try p.value("max-time").map { try parseSeconds(spec, "max-time", $0) }
    let connectTimeout = try p.value("connect-timeout").map { try parseSeconds(spec, "connect-timeout", $0) }
    var status = ExitCode.success
    for operand in p.operands {
        var url: HTTPURL
        do { url = try HTTPURL.parse(operand) }
        catch { status = fail(3, "URL using bad/illegal format or missing URL"); continue }
        var redirects = 0
        var currentMethod = method
        var currentBody = body
        let started = monotonicMicros()
        while true {
            if url.scheme == "https" { return fail(1, "TLS is not supported by toolbox: \(url.text)") }
            guard url.scheme == "http" else { return fail(1, "Protocol \"\(url.scheme)\" not supported or disabled in libcurl") }
            let t = HTTPTransfer(target: target)
            t.connectTimeoutMs = connectTimeout
            if let m = maxTime { t.deadline = started / 1000 + m }
            if verbose { t.verbose = { ctx.err.write($0 + "\n") } }
            let req = HTTPRequest(method: currentMethod, url: url, headers: headers, body: currentBody,
                                  userAgent: p.value("user-agent") ?? "curl/7.88.1", defaultContentType: contentType)
            // Output: stdout, -o FILE or -O; opened only when a body is kept.
            var outFile: BodyFile? = nil
            var writeFailed = false
            let failOnError = p.has("fail")
            let follow = p.has("location")
            var isRedirect = false
            let result: TransferResult
            do {
                result = try t.perform(req) { head in
                    isRedirect = follow && (300...399).contains(head.status) && head.value("location") != nil
                    if isRedirect || (failOnError && head.status >= 400) { return { _ in true } }
                    if p.has("include") || headOnly {
                        ctx.out.write(head.raw)
                    }
                    if let path = p.value("output") ?? (p.has("remote-name") ? url.fileName : nil) {
                        if path == "-" { return { ctx.out.write(Bytes(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)); return true } }
                        do {
                            let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
                            outFile = BodyFile(fd: fd)
                        } catch { writeFailed = true; return { _ in false } }
                        let f = outFile!
                        t.spliceTo = f
                        return { f.write($0) }
                    }
                    return { ctx.out.write(Bytes(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)); return !ctx.out.isBroken }
                }
            } catch {
                outFile?.fd.close()
                switch error {
                case .resolve(let h, _): return fail(6, "Could not resolve host: \(h)")
                case .connect(let h, let port, let e, let ms):
                    if e.rawValue == ETIMEDOUT { return fail(28, "Failed to connect to \(h) port \(port) after \(ms) ms: Timeout was reached") }
                    return fail(7, "Failed to connect to \(h) port \(port) after \(ms) ms: Couldn't connect to server")
                case .connectTimeout(let ms): return fail(28, "Connection timed out after \(ms) milliseconds")
                case .timeout(let ms, let bytes): return fail(28, "Operation timed out after \(ms) milliseconds with \(bytes) bytes received")
                case .send(let e): return fail(55, "Failed sending data to the peer: \(e.description)")
                case .receive(let e): return fail(56, "Failure when receiving data from the peer: \(e.description)")
                case .badResponse(let why): return fail(8, why)
                case .emptyReply: return fail(52, "Empty reply from server")
                case .partial(let got, let expected):
                    return fail(18, expected >= 0 ? "transfer closed with \(expected - got) bytes remaining to read" : "transfer closed with outstanding read data remaining")
                }
            }
            outFile?.fd.close()
            if writeFailed || outFile?.error != nil {
                return fail(23, "Failure writing output to destination")
            }
            if isRedirect, let loc = result.head.value("location") {
                redirects += 1
                if redirects > 50 { return fail(47, "Maximum (50) redirects followed") }
                if verbose { ctx.err.write("* Issue another request to this URL: '\(loc)'\n") }
                guard let next = try? url.resolving(loc) else { return fail(3, "URL using bad/illegal format or missing URL") }
                url = next
                // curl turns POST into GET on 301/302/303 (unless -X was given).
                if [301, 302, 303].contains(result.head.status) && p.value("request") == nil && currentMethod == "POST" {
                    currentMethod = "GET"; currentBody = nil
                }
                continue
            }
            if p.has("include") && !result.trailers.isEmpty { ctx.out.write(result.trailers) }
            if verbose { ctx.err.write("* Closing connection 0\n") }
            var code = ExitCode.success
            if p.has("fail") && result.head.status >= 400 {
                code = fail(22, "The requested URL returned error: \(result.head.status)")
            }
            if let w = p.value("write-out") {
                ctx.out.write(curlWriteOut(w, result, url: url, redirects: redirects, exitCode: code))
            }
            if code != 0 { return code }
            break
        }
    }
    return status
}

extension String {
    func trimmingLeadingSpaces() -> String { String(drop(while: { $0 == " " || $0 == "\t" })) }
}

/// curl's --write-out: %{variable} and backslash escapes.
func curlWriteOut(_ format: String, _ r: TransferResult, url: HTTPURL, redirects: Int, exitCode: Int32) -> String {
    var out = ""
    var i = format.startIndex
    let t = r.times
    while i < format.endIndex {
        let c = format[i]
        if c == "%", format[format.index(after: i)...].hasPrefix("{"), let close = format[i...].firstIndex(of: "}") {
            let name = String(format[format.index(i, offsetBy: 2)..<close])
            switch name {
            case "http_code", "response_code": out += zeroPadded(r.head.status, 3)
            case "time_namelookup": out += secondsText(t.nameLookup - t.start)
            case "time_connect": out += secondsText(t.connect - t.start)
            case "time_appconnect", "time_pretransfer": out += name == "time_appconnect" ? "0.000000" : secondsText(t.connect - t.start)
            case "time_starttransfer": out += secondsText(t.startTransfer - t.start)
            case "time_total": out += secondsText(t.total - t.start)
            case "size_download": out += String(r.bodyBytes)
            case "size_header": out += String(r.head.length)
            case "size_request": out += String(r.requestHead.utf8.count)
            case "speed_download":
                let secs = max(1, t.total - t.start)
                out += String(r.bodyBytes * 1_000_000 / secs)
            case "url_effective": out += url.text
            case "remote_ip": out += r.remote.host
            case "remote_port": out += String(r.remote.port)
            case "num_redirects": out += String(redirects)
            case "content_type": out += r.head.value("content-type") ?? ""
            case "exitcode": out += String(exitCode)
            case "scheme": out += "HTTP"
            default: break
            }
            i = format.index(after: close); continue
        }
        if c == "\\" && format.index(after: i) < format.endIndex {
            let n = format[format.index(after: i)]
            switch n {
            case "n": out += "\n"; case "t": out += "\t"; case "r": out += "\r"; case "\\": out += "\\"
            default: out += "\\" + String(n)
            }
            i = format.index(i, offsetBy: 2); continue
        }
        out.append(c); i = format.index(after: i)
    }
    return out
}

/// Zero-padded decimal (curl prints http_code as %03ld).
func zeroPadded(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}
