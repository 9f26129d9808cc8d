#!/usr/bin/env python3
"""A tiny HTTP server for command tests: serves files from a directory on 127.0.0.1.

Usage: http_server.py DIR PORTFILE
Binds 127.0.0.1 on a free port chosen by the kernel and writes the port to PORTFILE once
it listens. Paths:
  /status/NNN          -> that status code with a short body
  /gzip/NAME           -> DIR/NAME gzip-compressed, Content-Encoding: gzip
  /badgzip/NAME        -> Content-Encoding: gzip with a plain (not gzip) body
  /redirect/NAME       -> 301 to /NAME
  /seq/NAME            -> the k-th request gets DIR/NAME.k (the last one again when there is no
                          NAME.k): a table that changes between two reads, deterministically
  /json/NAME           -> DIR/NAME as application/json
  /NAME                -> DIR/NAME as text/plain
Exits by itself after 120 s so a forgotten server never lingers.
"""
import gzip
import http.server
import os
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def send_body(self, status, body, headers=(), content_type="text/plain; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_file(self, name):
        path = os.path.join(self.server.root, os.path.basename(name.split("?")[0]))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def do_GET(self):
        p = self.path
        if p.startswith("/status/"):
            code = int(p[len("/status/"):])
            self.send_body(code, b"status %d\n" % code)
            return
        if p.startswith("/redirect/"):
            self.send_response(301)
            self.send_header("Location", "/" + p[len("/redirect/"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if p.startswith("/seq/"):
            name = p[len("/seq/"):]
            with self.server.lock:
                k = self.server.seq[name] = self.server.seq.get(name, 0) + 1
            data = None
            while data is None and k > 0:
                data = self.read_file("%s.%d" % (name, k))
                k -= 1
            self.send_body(200 if data is not None else 404, data if data is not None else b"not found\n")
            return
        if p.startswith("/json/"):
            data = self.read_file(p[len("/json/"):])
            self.send_body(200 if data is not None else 404, data if data is not None else b"not found\n",
                           content_type="application/json")
            return
        for prefix in ("/gzip/", "/badgzip/"):
            if p.startswith(prefix):
                data = self.read_file(p[len(prefix):])
                if data is None:
                    self.send_body(404, b"not found\n")
                    return
                body = gzip.compress(data) if prefix == "/gzip/" else data
                self.send_body(200, body, [("Content-Encoding", "gzip")])
                return
        data = self.read_file(p[1:])
        if data is None:
            self.send_body(404, b"not found\n")
        else:
            self.send_body(200, data)


def main():
    root, portfile = sys.argv[1], sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.root = root
    server.seq = {}
    server.lock = threading.Lock()
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, portfile)
    threading.Timer(120, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
