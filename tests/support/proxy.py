#!/usr/bin/python3
"""A real forwarding HTTP proxy on loopback, for tok's proxy tests (issue 14).

    proxy.py [--log FILE] [--mode forward|407|close] [--auth USER:PASS]

Listens on 127.0.0.1 with an OS-chosen port and prints the port as the first stdout line.
It carries
  - CONNECT host:port   (what HTTPS clients send): connects upstream, answers
                        "200 Connection established", then relays bytes both ways;
  - absolute-form requests (GET http://host:port/path ...), as plain-HTTP clients send them:
                        forwarded upstream in origin form, one request per client connection
                        (answered with `Connection: close`).
Modes: `forward` (default); `407`: every request is answered 407 Proxy Authentication Required
with `Proxy-Authenticate: Basic realm="tok-test-proxy"`; `close`: every connection is closed
without an answer (a broken proxy). `--auth USER:PASS`: forward only requests carrying
`Proxy-Authorization: Basic base64(USER:PASS)`, others get the 407.
Logs one line per request to FILE (appended; the line is written before the answer, so a test
that got its response sees the line): `METHOD TARGET STATUS`, e.g. `CONNECT 127.0.0.1:4443 200`,
`GET http://127.0.0.1:8080/x 200`, `CONNECT 127.0.0.1:4443 407`; an upstream that cannot be
reached is 502. Never logs headers (no credentials). Stops when stdin reaches EOF (or SIGTERM).
Stdlib only.
"""

import argparse
import base64
import http.client
import select
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "transfer-encoding", "upgrade",
}

ARGS = None
LOG_LOCK = threading.Lock()


def log(method, target, status):
    if ARGS.log:
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write(f"{method} {target} {status}\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def refuse_407(self):
        log(self.command, self.path, 407)
        body = b"proxy authentication required\n"
        self.send_response(407, "Proxy Authentication Required")
        self.send_header("Proxy-Authenticate", 'Basic realm="tok-test-proxy"')
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def error(self, status, reason, message):
        log(self.command, self.path, status)
        body = (message + "\n").encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def authorized(self):
        if ARGS.mode == "407":
            return False
        if not ARGS.auth:
            return True
        want = "basic " + base64.b64encode(ARGS.auth.encode()).decode()
        got = self.headers.get("Proxy-Authorization", "")
        return got.lower().startswith("basic ") and "basic " + got[6:].strip() == want

    def do_CONNECT(self):
        if not self.authorized():
            return self.refuse_407()
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]")
        try:
            upstream = socket.create_connection((MAP.get(host, host), int(port)), timeout=10)
        except (OSError, ValueError) as e:
            return self.error(502, "Bad Gateway", f"cannot connect to {self.path}: {e}")
        log("CONNECT", self.path, 200)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        upstream.settimeout(None)
        client = self.connection
        try:
            socks = [client, upstream]
            while True:
                readable, _, _ = select.select(socks, [], [], 300)
                if not readable:
                    break
                done = False
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        done = True
                        break
                    (upstream if s is client else client).sendall(data)
                if done:
                    break
        except OSError:
            pass
        finally:
            upstream.close()
            self.close_connection = True

    def forward(self):
        if not self.authorized():
            return self.refuse_407()
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            return self.error(400, "Bad Request", "a proxy request needs an absolute http:// URL")
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        target = urllib.parse.urlunsplit(("", "", url.path or "/", url.query, ""))
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
            conn.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP and k.lower() != "content-length":
                    conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.putheader("Connection", "close")
            conn.endheaders(body)
            resp = conn.getresponse()
            payload = resp.read()
        except OSError as e:
            return self.error(502, "Bad Gateway", f"cannot reach {url.netloc}: {e}")
        log(self.command, self.path, resp.status)
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        conn.close()
        self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = forward


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def verify_request(self, request, client_address):
        if ARGS.mode == "close":
            # read the request line so that the client sees its request accepted, then drop it
            request.settimeout(2)
            try:
                first = request.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
            except OSError:
                first = "? ?"
            method, _, rest = first.partition(" ")
            log(method or "?", rest.rpartition(" ")[0] or rest, "closed")
            request.close()
            return False
        return True


MAP = {}


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--log")
    p.add_argument("--mode", choices=["forward", "407", "close"], default="forward")
    p.add_argument("--auth", help="USER:PASS required in Proxy-Authorization (Basic)")
    p.add_argument("--map", action="append", default=[],
                   help="NAME=ADDR: reach CONNECT host NAME at ADDR (a corporate host name the "
                        "client never resolves itself, served on loopback)")
    ARGS = p.parse_args()
    for m in ARGS.map:
        name, _, addr = m.partition("=")
        MAP[name] = addr
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
