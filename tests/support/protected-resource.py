"""A protected resource that publishes RFC 9728 metadata, as MCP servers do.

    protected-resource.py --issuer URL [--issuer URL…] [--where challenge|path|root|none]
                          [--resource URI] [--log FILE]

Listens on http://127.0.0.1:PORT (printed as the first stdout line); the resource is
http://127.0.0.1:PORT/mcp. Its metadata ({"resource", "authorization_servers": the --issuer
values, "scopes_supported"}) is served where --where says:
  challenge  only at /meta/mcp, named by `resource_metadata` in the 401 a GET of /mcp answers
  path       at /.well-known/oauth-protected-resource/mcp (RFC 9728 §3.1 path insertion)
  root       at /.well-known/oauth-protected-resource
  none       nowhere (every metadata URL answers 404)
--resource overrides the `resource` the metadata states (default: the resource itself), to
play metadata for another resource. A GET of /mcp with a Bearer token the first --issuer
reports active for this resource (RFC 7662 introspection as client `introspector`, its `aud`
naming the resource) answers 200; anything else 401 with a Bearer challenge. Each request is
logged to FILE as one JSON line {"method", "path", "scheme", "status"}. Exits when stdin
reaches EOF.
"""

import argparse
import base64
import json
import sys
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()
WELL_KNOWN = "/.well-known/oauth-protected-resource"


def introspect(issuer, token):
    data = urllib.parse.urlencode({"token": token}).encode()
    req = urllib.request.Request(issuer + "/token/introspection", data=data)
    cred = base64.b64encode(b"introspector:introspector-secret").decode()
    req.add_header("Authorization", "Basic " + cred)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def metadata(self):
        where = {
            "challenge": "/meta/mcp",
            "path": WELL_KNOWN + "/mcp",
            "root": WELL_KNOWN,
        }.get(ARGS.where)
        if self.path != where:
            return None
        return {
            "resource": ARGS.resource or self.base() + "/mcp",
            "authorization_servers": ARGS.issuer,
            "scopes_supported": ["api:read"],
        }

    def answer(self, status, body, scheme, headers=()):
        with LOG_LOCK:
            if ARGS.log:
                line = {"method": self.command, "path": self.path, "scheme": scheme, "status": status}
                with open(ARGS.log, "a") as f:
                    f.write(json.dumps(line) + "\n")
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        meta = self.metadata()
        if meta is not None:
            return self.answer(200, meta, None)
        if self.path != "/mcp":
            return self.answer(404, {"error": "not found"}, None)
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        scheme = scheme.lower() or None
        resource = self.base() + "/mcp"
        if scheme == "bearer" and token.strip():
            info = introspect(ARGS.issuer[0], token.strip())
            aud = info.get("aud")
            auds = aud if isinstance(aud, list) else [aud]
            if info.get("active") is True and resource in auds:
                return self.answer(200, {"hello": "mcp"}, scheme)
        challenge = 'Bearer realm="mcp"'
        if ARGS.where == "challenge":
            challenge += f', resource_metadata="{self.base()}/meta/mcp"'
        self.answer(401, {"error": "invalid_token"}, scheme, [("WWW-Authenticate", challenge)])


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--issuer", action="append", required=True)
    p.add_argument("--where", default="path", choices=["challenge", "path", "root", "none"])
    p.add_argument("--resource")
    p.add_argument("--log")
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
