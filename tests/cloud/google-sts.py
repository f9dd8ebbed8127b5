"""Google's security token service as the external-account libraries call it (RFC 8693 token
exchange), on loopback, for tok's tests.

    tests/cloud/.venv/bin/python google-sts.py ISSUER CLIENT_ID --log FILE

Listens on http://127.0.0.1:PORT (printed as the first stdout line). A POST with
grant_type=urn:ietf:params:oauth:grant-type:token-exchange is answered with a federated access
token when its subject_token verifies as a workload identity pool provider verifies it
(subject.py: the signature against the issuer's JWKS, `iss`, `exp`; plus `aud` containing
CLIENT_ID, the allowed audience), else with invalid_grant. Each exchange is logged to FILE as
one JSON line {"subject_token_type", "audience", "token_kind", "token_valid", "aud", "status"}.
Exits when stdin reaches EOF.
"""

import json
import os
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from subject import check  # noqa: E402

ISSUER, CLIENT_ID = sys.argv[1], sys.argv[2]
LOG = sys.argv[sys.argv.index("--log") + 1]
LOCK = threading.Lock()
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        one = lambda k: form.get(k, [""])[0]  # noqa: E731
        if one("grant_type") != EXCHANGE:
            return self.answer(400, {"error": "unsupported_grant_type"})
        seen = check(ISSUER, one("subject_token"))
        ok = seen["valid"] and CLIENT_ID in (seen.get("aud") or [])
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps({
                "subject_token_type": one("subject_token_type"),
                "audience": one("audience"),
                "token_kind": seen["kind"],
                "token_valid": seen["valid"],
                "aud": seen.get("aud"),
                "status": 200 if ok else 400,
            }) + "\n")
        if not ok:
            return self.answer(400, {"error": "invalid_grant",
                                     "error_description": "the subject token was refused"})
        self.answer(200, {
            "access_token": "ya29.federated-" + secrets.token_urlsafe(24),
            "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "token_type": "Bearer",
            "expires_in": 3600,
        })


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
