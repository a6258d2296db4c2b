#!/usr/bin/python3
"""HTTP server for the curl/wget tests and the net benchmark: redirects,
chunked replies, a slow endpoint, an echo of the request, large bodies.
Usage: http_server.py ADDRESS PORT (prints "ready" when listening)."""
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import socketserver

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "testserver"
    sys_version = ""

    def log_message(self, *a):
        pass

    def date_time_string(self, timestamp=None):
        return "Mon, 01 Jan 2024 00:00:00 GMT"

    def send(self, code, body, ctype="text/plain", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        p = self.path
        if p == "/hello":
            return self.send(200, b"hello\n")
        if p == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                for part in (b"first ", b"second ", b"x" * 5000, b"\nend\n"):
                    self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
                    self.wfile.flush()
                self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
            return
        if p == "/redirect":
            return self.send(302, b"", extra=[("Location", "/hello")])
        if p == "/redirect-rel":
            return self.send(301, b"", extra=[("Location", "hello")])
        if p == "/redirect-abs":
            host = self.headers.get("Host")
            return self.send(303, b"", extra=[("Location", "http://%s/chunked" % host)])
        if p == "/loop":
            return self.send(302, b"", extra=[("Location", "/loop")])
        if p == "/slow":
            time.sleep(5)
            return self.send(200, b"slow\n")
        if p.startswith("/status/"):
            code = int(p[8:])
            return self.send(code, b"status %d\n" % code)
        if p == "/echo":
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n) if n else b""
            head = "".join("%s: %s\n" % (k, v) for k, v in self.headers.items() if k.lower() not in ("user-agent",))
            return self.send(200, ("%s %s\n%s\n" % (self.command, self.path, head)).encode() + data)
        if p.startswith("/big/"):
            n = int(p[5:])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            block = b"\0" * (1 << 20)
            while n > 0:
                k = min(n, len(block))
                self.wfile.write(block[:k])
                n -= k
            return
        return self.send(404, b"not found\n")

    do_GET = route
    do_HEAD = route
    do_POST = route
    do_PUT = route

class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

if __name__ == "__main__":
    import socket
    addr, port = sys.argv[1], int(sys.argv[2])
    if ":" in addr:
        Server.address_family = socket.AF_INET6
    s = Server((addr, port), Handler)
    print("ready", flush=True)
    s.serve_forever()
