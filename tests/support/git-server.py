#!/usr/bin/python3
"""A git smart-HTTP server for tok's tests: `git http-backend` behind an OAuth resource server.

    git-server.py ISSUER ROOT [--basic-only] [--log FILE] [--revoked FILE] [--step-up ACR]

Serves the repositories under ROOT at http://127.0.0.1:PORT/ and prints PORT as the first line
of stdout. Every request needs an access token that the test provider reports active (RFC 7662
introspection, client `introspector`): as the password of Basic credentials, or as a Bearer
token. Without one it answers 401 with `WWW-Authenticate: Basic` and (unless --basic-only)
`WWW-Authenticate: Bearer`. With --revoked FILE, a token whose SHA-256 (first 12 hex digits,
tok's fingerprint) is a line of FILE is refused although the provider still reports it active:
a resource server that revoked one access token. (The provider cannot do that: revoking an
access token there revokes every token of its grant.) Each request is logged to FILE as one JSON line:
{"method", "path", "scheme", "status"} (never the token). Exits when stdin reaches EOF.

With --step-up ACR (RFC 9470), a live token whose sign-in (`acr`, from introspection) was not
ACR is answered 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
acr_values="ACR"`, and a token that is not live (or revoked) with `Bearer
error="invalid_token"` (RFC 6750 §3.1); a request without a token gets the plain challenges.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from resource_guard import RequestLog, credentials, introspection

ISSUER = sys.argv[1]
ROOT = sys.argv[2]
BASIC_ONLY = "--basic-only" in sys.argv
LOG = sys.argv[sys.argv.index("--log") + 1] if "--log" in sys.argv else None
REVOKED = sys.argv[sys.argv.index("--revoked") + 1] if "--revoked" in sys.argv else None
STEP_UP = sys.argv[sys.argv.index("--step-up") + 1] if "--step-up" in sys.argv else None


def revoked(token):
    if not REVOKED or not os.path.exists(REVOKED):
        return False
    fp = hashlib.sha256(token.encode()).hexdigest()[:12]
    with open(REVOKED) as f:
        return fp in f.read().split()






class Handler(RequestLog, BaseHTTPRequestHandler):
    LOG = LOG
    protocol_version = "HTTP/1.1"

    def handle_any(self):
        body = self.body()
        scheme, token = credentials(self.headers.get("Authorization"))
        seen = introspection(ISSUER, token) if token and not revoked(token) else {}
        bearer = 'Bearer realm="tok-test-git"'
        if STEP_UP and token and seen.get("active") is not True:
            bearer += ', error="invalid_token"'
        elif STEP_UP and token and seen.get("acr") != STEP_UP:
            bearer += (
                ', error="insufficient_user_authentication", error_description="a \\"stronger\\" sign-in, please"'
                + f', acr_values="{STEP_UP}"'
            )
        if seen.get("active") is not True or bearer.count("error=") > 0:
            self.record(scheme, 401)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="tok-test-git"')
            if not BASIC_ONLY:
                self.send_header("WWW-Authenticate", bearer)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        url = urllib.parse.urlsplit(self.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": urllib.parse.unquote(url.path),
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "alice",
            "REMOTE_ADDR": "127.0.0.1",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        p = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True
        )
        head, _, payload = p.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = p.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.strip().split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.record(scheme, status)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = handle_any
    do_POST = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # EOF: the test is over


if __name__ == "__main__":
    main()
