#!/usr/bin/python3
"""A minimal HTTP API that accepts only Bearer tokens the test provider reports active.

    api-front.py ISSUER [--tls DIR] [--log FILE]

Listens on http://127.0.0.1:PORT (printed as the first stdout line); with --tls, on https with a
self-signed certificate for 127.0.0.1 written to DIR/cert.pem (kubectl's client-go runs exec
plugins only for https servers). Any GET with an active
Bearer token (RFC 7662 introspection, client `introspector`) answers 200 with a Kubernetes
`APIVersions` document (so `kubectl get --raw /api` works against it); anything else answers
401 with `WWW-Authenticate: Bearer`. It also plays a minimal cargo sparse registry:
`/index/config.json` (no token needed) names this server as the web API, and
`/api/v1/crates/NAME/owners` answers with the owner `alice` when the `Authorization` header is
a live token, raw (as cargo sends it) or Bearer. With --id-token CLIENT_ID it plays Kubernetes'
OIDC authenticator instead: only an ID token of ISSUER for audience CLIENT_ID, its signature
verified with the issuer's JWKS (verify-id-token.mjs), is accepted. Each request is logged to FILE as one JSON line
{"method", "path", "scheme", "status"}. Exits when stdin reaches EOF.
"""

import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from resource_guard import introspect

ISSUER = sys.argv[1]
LOG = sys.argv[sys.argv.index("--log") + 1] if "--log" in sys.argv else None
TLS_DIR = sys.argv[sys.argv.index("--tls") + 1] if "--tls" in sys.argv else None
ID_AUDIENCE = sys.argv[sys.argv.index("--id-token") + 1] if "--id-token" in sys.argv else None
VERIFY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify-id-token.mjs")


def valid_id_token(token):
    """Kubernetes' --oidc-issuer-url/--oidc-client-id checks, done by the `jose` library."""
    r = subprocess.run(["node", VERIFY, ISSUER, ID_AUDIENCE], input=token.encode(),
                       capture_output=True, check=False)
    return r.returncode == 0
LOG_LOCK = threading.Lock()
BODY = json.dumps({
    "kind": "APIVersions",
    "versions": ["v1"],
    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
}).encode()




class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        auth = (self.headers.get("Authorization") or "").strip()
        scheme, _, token = auth.partition(" ")
        scheme = scheme.lower() or None
        if scheme and not token:
            scheme, token = "raw", auth  # cargo: `Authorization: <token>`
        cargo = self.path.startswith("/api/v1/")
        if self.path == "/index/config.json":
            ok, scheme = True, None
            proto = "https" if TLS_DIR else "http"
            base = f"{proto}://127.0.0.1:{self.server.server_address[1]}"
            body = json.dumps({"dl": base + "/dl", "api": base}).encode()
        else:
            allowed = ("raw", "bearer") if cargo else ("bearer",)
            check = valid_id_token if ID_AUDIENCE and not cargo else lambda t: introspect(ISSUER, t)
            ok = scheme in allowed and token.strip() and check(token.strip())
            body = BODY
            if cargo:
                body = json.dumps({"users": [{"id": 1, "login": "alice", "name": None}]}).encode()
        status = 200 if ok else 401
        if not ok:
            body = b'{"kind":"Status","status":"Failure","code":401}'
        # Logged before the answer: a test reads the log as soon as its client has the answer.
        if LOG:
            line = json.dumps({"method": "GET", "path": self.path, "scheme": scheme, "status": status})
            with LOG_LOCK, open(LOG, "a") as f:
                f.write(line + "\n")
        self.send_response(status)
        if not ok:
            self.send_header("WWW-Authenticate", 'Bearer realm="tok-test-api"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if TLS_DIR:
        cert, key = os.path.join(TLS_DIR, "cert.pem"), os.path.join(TLS_DIR, "key.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
