#!/usr/bin/python3
"""A fault-injecting token endpoint, for what the real provider will not do.

Usage: /usr/bin/python3 tests/support/faults.py UPSTREAM_ISSUER
Binds 127.0.0.1:0 and prints its port as the first stdout line. Stops when stdin closes.

Point a profile's `token_endpoint` at http://127.0.0.1:PORT/MODE/token. Modes that end in a
success forward the request to UPSTREAM_ISSUER's /token (the real provider) and relay its answer,
so rotation and reuse detection stay real. Every body this server invents contains
FAULT-BODY-CANARY, which must never appear in tok's output.

GET /__hits returns {"MODE": number of requests} as JSON; GET /__jtis returns {"MODE": [the
`jti` of each private_key_jwt client_assertion received, in order]}.

Metadata modes (GET): issuer http://127.0.0.1:PORT/split_metadata publishes its revocation
endpoint only in its RFC 8414 document, not in its OIDC discovery document (endpoints: the real
provider's); split_metadata_other_issuer does the same with an RFC 8414 document naming another
issuer.
"""

import base64
import json
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else None
CANARY = "FAULT-BODY-CANARY"
HITS = {}
JTIS = {}
LOCK = threading.Lock()

# An 8 KB JWT-shaped access token: larger than some platform keychain item limits.
BIG_TOKEN = "eyJhbGciOiJub25lIn0." + ("A" * 8192) + ".sig"


def hit(mode):
    with LOCK:
        HITS[mode] = HITS.get(mode, 0) + 1
        return HITS[mode]


def record_jti(mode, body):
    """Note the `jti` of a client assertion in the form (private_key_jwt, RFC 7523)."""
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    for jwt in form.get("client_assertion", []):
        try:
            payload = jwt.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            jti = claims.get("jti")
        except (IndexError, ValueError):
            jti = None
        with LOCK:
            JTIS.setdefault(mode, []).append(jti)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    date_offset = 0

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        return formatdate((timestamp or time.time()) + self.date_offset, usegmt=True)

    def send(self, status, body, ctype="application/json", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        oidc_suffix = "/.well-known/openid-configuration"
        rfc8414_prefix = "/.well-known/oauth-authorization-server/"
        if self.path == "/__hits":
            with LOCK:
                self.send(200, json.dumps(HITS))
        elif self.path == "/__jtis":
            with LOCK:
                self.send(200, json.dumps(JTIS))
        elif path.endswith(oidc_suffix) and path.startswith("/split_metadata"):
            # Metadata split as some servers publish it: OIDC discovery without the revocation
            # endpoint, which only the RFC 8414 document lists. Issuer: this server + /MODE.
            mode = path[1 : -len(oidc_suffix)]
            hit(mode + ":oidc")
            self.send(200, json.dumps(self.metadata(mode, oidc=True)))
        elif path.startswith(rfc8414_prefix + "split_metadata"):
            mode = path[len(rfc8414_prefix) :]
            hit(mode + ":rfc8414")
            doc = self.metadata(mode, oidc=False)
            if mode == "split_metadata_other_issuer":
                doc["issuer"] = "https://other.example"
            self.send(200, json.dumps(doc))
        else:
            self.send(404, "{}")

    def metadata(self, mode, oidc):
        doc = {
            "issuer": "http://127.0.0.1:%d/%s" % (self.server.server_address[1], mode),
            "authorization_endpoint": UPSTREAM + "/auth",
            "token_endpoint": UPSTREAM + "/token",
        }
        if not oidc:
            doc["revocation_endpoint"] = UPSTREAM + "/token/revocation"
        return doc

    def forward(self, body):
        """POST the same form to the real provider; return (status, headers, body)."""
        req = urllib.request.Request(UPSTREAM + "/token", data=body, method="POST")
        for h in ("Content-Type", "Authorization", "DPoP", "Accept"):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def relay(self, body):
        status, headers, data = self.forward(body)
        self.send(status, data, headers.get("Content-Type", "application/json"))

    def reset(self):
        """Drop the connection with a TCP RST, no response."""
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.connection.close()
        self.close_connection = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        mode = parts[0] if len(parts) == 2 and parts[1] == "token" else "unknown"
        n = hit(mode)
        record_jti(mode, body)
        c = CANARY
        if mode == "html502":
            self.send(502, f"<html><body><h1>502 Bad Gateway</h1>{c}</body></html>", "text/html")
        elif mode == "status500":
            self.send(500, f"<html>{c}</html>", "text/html")
        elif mode == "empty200":
            self.send(200, b"")
        elif mode == "bare400":
            self.send(400, b"", "text/plain")
        elif mode == "bare401":
            self.send(401, b"", "text/plain")
        elif mode == "truncated":
            self.send(200, '{"access_token":"%s-at","token_type":"Bearer","expi' % c)
        elif mode == "no_access_token":
            self.send(200, '{"token_type":"Bearer","expires_in":300,"note":"%s"}' % c)
        elif mode == "unknown_token_type":
            self.send(200, '{"access_token":"%s-at","token_type":"MAC","expires_in":300}' % c)
        elif mode == "expires_negative":
            self.send(200, '{"access_token":"%s-at","token_type":"Bearer","expires_in":-60}' % c)
        elif mode == "expires_huge":
            self.send(200, '{"access_token":"%s-at","token_type":"Bearer","expires_in":1e300}' % c)
        elif mode == "expires_string":
            self.send(200, '{"access_token":"%s-at","token_type":"Bearer","expires_in":"soon"}' % c)
        elif mode == "huge_body":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(20 * 1024 * 1024))
            self.end_headers()
            chunk = ('{"access_token":"%s' % c).encode() + b"x" * (1024 * 1024)
            try:
                for _ in range(20):
                    self.wfile.write(chunk[: 1024 * 1024])
            except OSError:
                pass
            self.close_connection = True
        elif mode == "hang":
            time.sleep(3600)
        elif mode == "redirect302":
            self.send(302, "", "text/plain", [("Location", "https://evil.example/token?" + c)])
        elif mode == "bad_utf8":
            self.send(200, b'{"access_token":"\xff\xfe\xc3\x28' + c.encode() + b'","token_type":"Bearer"}')
        elif mode == "unknown_error":
            self.send(400, '{"error":"weird_error","error_description":"described"}')
        elif mode == "hostile_description":
            # A description that reverses the terminal's text (U+202E), hides text (U+200B),
            # echoes the refresh token it was sent, and goes on for 10 KB.
            form = urllib.parse.parse_qs(body.decode())
            rt = form.get("refresh_token", [""])[0]
            desc = "bad\u202egnp.exe\u200b token " + rt + " tail " + "x" * 10000 + c
            self.send(400, json.dumps({"error": "weird_error", "error_description": desc}))
        elif mode == "ratelimit_long":
            self.send(429, c, "text/plain", [("Retry-After", "120")])
        elif mode == "ratelimit" and n == 1:
            self.send(429, c, "text/plain", [("Retry-After", "1")])
        elif mode == "storm503" and n <= 3:
            self.send(503, f"<html>{c}</html>", "text/html")
        elif mode == "always503":
            self.send(503, f"<html>{c}</html>", "text/html")
        elif mode == "storm503ra" and n <= 3:
            # A server's deliberate overload answer: 503 with Retry-After.
            self.send(503, f"<html>{c}</html>", "text/html", [("Retry-After", "0")])
        elif mode == "always503ra":
            self.send(503, f"<html>{c}</html>", "text/html", [("Retry-After", "1")])
        elif mode == "proxy503_after_upstream":
            # A proxy (Envoy, Istio, nginx) that forwarded the refresh, which the provider
            # processed (and rotated), then answers a bare 503 instead of the response.
            self.forward(body)
            self.send(503, f"<html>{c}</html>", "text/html")
        elif mode in ("ratelimit", "storm503", "storm503ra", "proxy"):
            self.relay(body)
        elif mode == "skew_ahead":
            self.date_offset = 600  # the Date header of this response only
            self.relay(body)
        elif mode == "reset_after_upstream":
            # The provider processes the refresh (and rotates); the answer never arrives.
            self.forward(body)
            self.reset()
        elif mode == "big_token":
            self.send(
                200,
                json.dumps(
                    {
                        "access_token": BIG_TOKEN,
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        # Rotated, so that the session (with this token) is written to the store.
                        "refresh_token": "big-token-rotated-%d" % n,
                    }
                ),
            )
        else:
            self.send(404, "{}")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # EOF: the test is done


if __name__ == "__main__":
    main()
