import ToolboxCore

let wgetApplet = Applet(spec: AppletSpec(
    name: "wget",
    summary: "Download a URL over HTTP/1.1 as GNU wget does, from the target's network namespace",
    usage: ["[-qS] [-O FILE] [--spider] [-T SECS] [--header HEADER]... [--post-data DATA] [-U AGENT] [--pid PID] URL..."],
    details: """
    Saves to the URL's last path segment (index.html for a directory; .1,
    .2 ... when the file exists) or to -O FILE (- for stdout). Redirects
    are followed (at most 20). https:// fails with "TLS is not supported by
    toolbox". Exit codes as GNU wget's: 0 success, 1 generic error, 2 usage,
    3 file I/O error, 4 network failure, 8 server error response.
    Progress is not drawn; the other messages follow GNU wget.
    """,
    options: [
        .value("O", "output-document", "FILE", "write the document to FILE (- for stdout)"),
        .flag("q", "quiet", "print nothing"),
        .flag("S", "server-response", "print the server's response head"),
        .flag(nil, "spider", "only check that the URL exists (HEAD request)"),
        .value("T", "timeout", "SECS", "connect and read timeout"),
        .value("t", "tries", "N", "tries after a timeout (default 20, waiting 1, 2 ... 10 s between)"),
        .value(nil, "header", "HEADER", "extra request header"),
        .value(nil, "post-data", "DATA", "POST DATA (application/x-www-form-urlencoded)"),
        .value("U", "user-agent", "AGENT", "User-Agent header"),
        .value(nil, "pid", "PID", "download from PID's network namespace, resolve with its resolver files"),
    ]), run: runWget)

@Sendable
func runWget(_ ctx: Context, _ args: [String]) throws -> Int32 {
    let spec = wgetApplet.spec
    let p: ParsedArguments
    do { p = try spec.parse(args) } catch { throw ToolError(exitCode: 2, message: error.message) }
    guard !p.operands.isEmpty else { throw ToolError(exitCode: 2, message: "missing URL\nUsage: wget [OPTION]... [URL]...") }
    let quiet = p.has("quiet"), showHead = p.has("server-response"), spider = p.has("spider")
    let log: (String) -> Void = { if !quiet { ctx.err.write($0) } }
    let target = try NetTarget(ctx, pid: p.value("pid"))
    let timeout = try p.value("timeout").map { try parseSeconds(spec, "timeout", $0) }
    var headers: [HTTPHeaderField] = []
    for h in p.values("header") {
        guard let colon = h.firstIndex(of: ":") else { continue }
        headers.append(HTTPHeaderField(name: String(h[..<colon]), value: String(h[h.index(after: colon)...]).trimmingLeadingSpaces()))
    }
    let post = p.value("post-data").map { Array($0.utf8) }
    let tries = try p.value("tries").map { try numberOption(spec, "tries", $0, 0...1000) } ?? 20
    var status = ExitCode.success
    // -O FILE is opened once for all URLs (GNU wget concatenates).
    var sharedOut: BodyFile? = nil
    if let o = p.value("output-document"), o != "-", !spider {
        do { sharedOut = BodyFile(fd: try FileDescriptor.open(o, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)) }
        catch { ctx.err.write("\(o): \(error.description)\n"); return 3 }
    }
    defer { sharedOut?.fd.close() }
    for operand in p.operands {
        guard var url = try? HTTPURL.parse(operand) else { ctx.err.write("\(operand): Invalid URL\n"); status = 1; continue }
        var redirects = 0
        var attempt = 1
        var method = spider ? "HEAD" : (post != nil ? "POST" : "GET")
        var body = post
        while true {
            if url.scheme == "https" { ctx.err.write("wget: TLS is not supported by toolbox: \(url.text)\n"); return 1 }
            guard url.scheme == "http" else { ctx.err.write("\(url.text): Unsupported scheme ‘\(url.scheme)’.\n"); status = 1; break }
            log("--\(localTimeText("%Y-%m-%d %H:%M:%S"))--  \(url.text)\n")
            let t = HTTPTransfer(target: target)
            t.connectTimeoutMs = timeout
            // GNU's -T is per read; a whole-transfer bound keeps us from hanging on a trickle.
            if let to = timeout { t.deadline = monotonicMillis() + max(to, 1) * 16 }
            var localFile: BodyFile? = nil
            var localName = ""
            var redirectTo: String? = nil
            let req = HTTPRequest(method: method, url: url, headers: headers, body: body,
                                  userAgent: p.value("user-agent") ?? "Wget/1.21.3", defaultContentType: body != nil ? "application/x-www-form-urlencoded" : nil,
                                  wgetStyle: true)
            let result: TransferResult
            do {
                let hostText = url.host.contains(Character(":")) ? "[\(url.host)]" : url.host
                log("Connecting to \(hostText):\(url.port)... ")
                var connected = false
                result = try t.perform(req) { head in
                    if !connected { connected = true }
                    log("connected.\nHTTP request sent, awaiting response... ")
                    if showHead && !quiet {
                        ctx.err.write("\n")
                        for line in String(decoding: head.raw, as: UTF8.self).split(separator: "\n") where !(line == "\r" || line.isEmpty) {
                            ctx.err.write("  " + (line.hasSuffix("\r") ? String(line.dropLast()) : String(line)) + "\n")
                        }
                    } else {
                        log("\(head.status) \(head.reason)\n")
                    }
                    if (300...399).contains(head.status), let loc = head.value("location") {
                        redirectTo = loc
                        log("Location: \(loc) [following]\n")
                        return { _ in true }
                    }
                    if head.status >= 400 || spider { return { _ in true } }
                    if let len = head.contentLength { log("Length: \(len)" + (head.value("content-type").map { " [\($0)]" } ?? "") + "\n") }
                    else { log("Length: unspecified" + (head.value("content-type").map { " [\($0)]" } ?? "") + "\n") }
                    if let o = p.value("output-document") {
                        if o == "-" { return { ctx.out.write(Bytes(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)); return !ctx.out.isBroken } }
                        localName = o
                        log("Saving to: ‘\(o)’\n\n")
                        let f = sharedOut!
                        return { f.write($0) }
                    }
                    var name = url.fileName.isEmpty ? "index.html" : url.fileName
                    if access(name, F_OK) == 0 {
                        var n = 1
                        while access("\(name).\(n)", F_OK) == 0 && n < 10000 { n += 1 }
                        name = "\(name).\(n)"
                    }
                    localName = name
                    log("Saving to: ‘\(name)’\n\n")
                    guard let fd = try? FileDescriptor.open(name, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) else { return { _ in false } }
                    localFile = BodyFile(fd: fd)
                    let f = localFile!
                    return { f.write($0) }
                }
            } catch {
                localFile?.fd.close()
                switch error {
                case .resolve(let h, _):
                    log("failed: Name or service not known.\n")
                    ctx.err.write("wget: unable to resolve host address ‘\(h)’\n")
                case .connect(_, _, let e, _):
                    log("failed: \(connectErrorText(e)).\n")
                    // GNU wget retries a timed-out connect (-t), not a refused one.
                    if e.rawValue == ETIMEDOUT && (tries == 0 || attempt < tries) {
                        log("Retrying.\n\n"); sleep(UInt32(min(attempt, 10))); attempt += 1; continue
                    }
                case .connectTimeout: log("failed: Connection timed out.\n")
                case .timeout: log("Read error (Connection timed out) in headers.\n")
                case .emptyReply: log("No data received.\n")
                case .partial: log("Read error (Connection reset by peer).\n")
                default: log("Read error.\n")
                }
                status = 4
                break
            }
            localFile?.fd.close()
            if let loc = redirectTo {
                redirects += 1
                if redirects > 20 { log("20 redirections exceeded.\n"); status = 1; break }
                guard let next = try? url.resolving(loc) else { status = 1; break }
                url = next
                if [301, 302, 303].contains(result.head.status) && method == "POST" { method = "GET"; body = nil }
                continue
            }
            if result.head.status >= 400 {
                log("\(localTimeText("%Y-%m-%d %H:%M:%S")) ERROR \(result.head.status): \(result.head.reason).\n\n")
                if spider { log("Remote file does not exist -- broken link!!!\n") }
                status = 8
                break
            }
            if spider { log("Remote file exists.\n\n"); break }
            if localFile?.error != nil || sharedOut?.error != nil { ctx.err.write("wget: \(localName): write error\n"); return 3 }
            if !localName.isEmpty {
                let len = result.head.contentLength.map { "/\($0)" } ?? ""
                log("\(localTimeText("%Y-%m-%d %H:%M:%S")) - ‘\(localName)’ saved [\(result.bodyBytes)\(len)]\n\n")
            }
            break
        }
    }
    return status
}
