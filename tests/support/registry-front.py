#!/usr/bin/python3
"""Debian's docker-registry behind an OAuth resource server, for tok's tests.

    registry-front.py ISSUER DATA_DIR [--log FILE]

Starts `docker-registry` on a unix socket under DATA_DIR (no TCP port to race for), listens on
https://127.0.0.1:PORT with a self-signed certificate made at start (openssl) and prints PORT
as the first line of stdout. TLS because `docker manifest inspect --insecure` talks https
(skipping verification) and will not fall back to plain http; skopeo takes --tls-verify=false. Every request needs an access
token the test provider reports active (RFC 7662 introspection, client `introspector`): the
password of Basic credentials, or a Bearer token. Otherwise: 401 with
`WWW-Authenticate: Basic realm=...` — the token-less flow docker, skopeo and podman all support
(they send Basic credentials from their credential helper on every request). Each request is
logged to FILE as one JSON line {"method", "path", "scheme", "status"} (never the token).
Exits (and stops the registry) when stdin reaches EOF.
"""

import base64
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from resource_guard import RequestLog, credentials, introspect

ISSUER = sys.argv[1]
DATA = sys.argv[2]
LOG = sys.argv[sys.argv.index("--log") + 1] if "--log" in sys.argv else None
SOCK = os.path.join(DATA, "registry.sock")
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-authorization"}






class UnixConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCK)


class Handler(RequestLog, BaseHTTPRequestHandler):
    LOG = LOG
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        body = self.body()
        scheme, token = credentials(self.headers.get("Authorization"))
        if not token or not introspect(ISSUER, token):
            payload = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
            self.record(scheme, 401)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="tok-test-registry"')
            self.send_header("Docker-Distribution-API-Version", "registry/2.0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return
        conn = UnixConnection("localhost")
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        # Repeated headers (several Accept lines) are passed on one by one.
        for k, v in self.headers.items():
            if k.lower() not in HOP | {"authorization", "content-length", "x-forwarded-proto"}:
                conn.putheader(k, v)
        # The registry builds upload `Location`s from Host and this.
        conn.putheader("X-Forwarded-Proto", "https")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        payload = resp.read()
        self.record(scheme, resp.status)
        self.send_response(resp.status)
        length_sent = False
        for k, v in resp.getheaders():
            if k.lower() in HOP:
                continue
            if k.lower() == "content-length":
                length_sent = True
                if self.command != "HEAD":
                    v = str(len(payload))
            self.send_header(k, v)
        if not length_sent:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    os.makedirs(DATA, exist_ok=True)
    config = os.path.join(DATA, "config.yml")
    with open(config, "w") as f:
        f.write(
            "version: 0.1\n"
            "log: {level: error}\n"
            "storage:\n"
            f"  filesystem: {{rootdirectory: {json.dumps(os.path.join(DATA, 'store'))}}}\n"
            "  delete: {enabled: true}\n"
            f"http: {{net: unix, addr: {json.dumps(SOCK)}}}\n"
        )
    registry = subprocess.Popen(
        ["docker-registry", "serve", config],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(DATA, "registry.log"), "w"),
    )
    for _ in range(300):
        if os.path.exists(SOCK):
            break
        if registry.poll() is not None:
            sys.exit("docker-registry exited: see " + os.path.join(DATA, "registry.log"))
        time.sleep(0.01)
    cert, key = os.path.join(DATA, "cert.pem"), os.path.join(DATA, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()
    finally:
        registry.terminate()
        registry.wait()


if __name__ == "__main__":
    main()
