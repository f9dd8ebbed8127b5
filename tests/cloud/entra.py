"""Microsoft Entra ID's token endpoint as azure-identity's WorkloadIdentityCredential calls it,
on an HTTPS loopback authority, for tok's tests.

    tests/cloud/.venv/bin/python entra.py ISSUER AUDIENCE CERT KEY --log FILE

Listens on https://127.0.0.1:PORT (printed as the first stdout line) with CERT/KEY (the suite's
run-time CA signs CERT; the library trusts it through REQUESTS_CA_BUNDLE). Answers the tenant's
OpenID configuration (`GET /TENANT/v2.0/.well-known/openid-configuration`, which MSAL reads
first) and `POST /TENANT/oauth2/v2.0/token` with grant_type=client_credentials and a
client_assertion of type jwt-bearer: the assertion is verified as a federated identity
credential is (subject.py: the signature against ISSUER's JWKS, `iss`, `exp`; `aud` must hold
AUDIENCE), then an access token is issued, else invalid_client (AADSTS700211-like). Each token
request is logged to FILE as one JSON line {"tenant", "client_id", "scope", "assertion_fp",
"token_kind", "token_valid", "aud", "status"}. Exits when stdin reaches EOF.
"""

import hashlib
import json
import os
import secrets
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from subject import check  # noqa: E402

ISSUER, AUDIENCE, CERT, KEY = sys.argv[1:5]
LOG = sys.argv[sys.argv.index("--log") + 1]
LOCK = threading.Lock()
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


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

    def base(self):
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) >= 2 and parts[1:] in (["v2.0", ".well-known", "openid-configuration"],
                                             [".well-known", "openid-configuration"]):
            t = f"{self.base()}/{parts[0]}"
            return self.answer(200, {
                "issuer": f"{t}/v2.0",
                "authorization_endpoint": f"{t}/oauth2/v2.0/authorize",
                "token_endpoint": f"{t}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{t}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{t}/discovery/v2.0/keys",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })
        self.answer(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        one = lambda k: form.get(k, [""])[0]  # noqa: E731
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[1:] != ["oauth2", "v2.0", "token"]:
            return self.answer(404, {"error": "not_found"})
        assertion = one("client_assertion")
        seen = check(ISSUER, assertion) if assertion else {"kind": None, "valid": False}
        ok = (one("grant_type") == "client_credentials"
              and one("client_assertion_type") == JWT_BEARER
              and seen["valid"] and AUDIENCE in (seen.get("aud") or []))
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps({
                "tenant": parts[0],
                "client_id": one("client_id"),
                "scope": one("scope"),
                "assertion_fp": hashlib.sha256(assertion.encode()).hexdigest()[:12],
                "token_kind": seen["kind"],
                "token_valid": seen["valid"],
                "aud": seen.get("aud"),
                "why": seen.get("why"),
                "status": 200 if ok else 401,
            }) + "\n")
        if not ok:
            return self.answer(401, {
                "error": "invalid_client",
                "error_description": "AADSTS700211: No matching federated identity record found "
                                     "for presented assertion.",
            })
        self.answer(200, {
            "token_type": "Bearer",
            "expires_in": 3600,
            "ext_expires_in": 3600,
            "access_token": "entra-" + secrets.token_urlsafe(24),
        })


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
