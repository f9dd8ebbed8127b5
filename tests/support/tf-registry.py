#!/usr/bin/python3
"""A private Terraform module registry over HTTPS, for tok's Terraform credentials-helper tests.

    tf-registry.py ISSUER --cert CERT --key KEY [--ca-file PEM] [--log FILE] [--url-ttl SECONDS]

Listens on https://127.0.0.1:PORT (certificate from tests/support/make-certs.sh: terraform
verifies it, so run terraform with SSL_CERT_FILE=<dir>/bundle.pem) and prints PORT as the first
stdout line. Terraform's module registry protocol:
  GET /.well-known/terraform.json                       {"modules.v1": "/v1/modules/"} (no token)
  GET /v1/modules/acme/hello/null/versions              {"modules":[{"versions":[...]}]}
  GET /v1/modules/acme/hello/null/1.0.0/download        204 + X-Terraform-Get: a signed URL
  GET /archive/hello-1.0.0.tar.gz?exp=..&sig=..         the module (main.tf), no token: the
                                                        signature (HMAC, --url-ttl, default 60 s)
                                                        is the credential, as with real
                                                        registries' storage URLs
The /v1/modules endpoints need `Authorization: Bearer <token>` with a token the test provider
at ISSUER reports active (RFC 7662, client `introspector`); otherwise 401 with
{"errors":["..."]}. Any other module: 404. Versions: 1.0.0 and 1.1.0. --ca-file: the CA bundle
used to reach an HTTPS ISSUER (sets SSL_CERT_FILE for this process). Each request is logged to
FILE as one JSON line {"method", "path", "scheme", "status"} (path without the query; never a
token). Exits when stdin reaches EOF.

By hand:  terraform init  with  module "hello" { source = "127.0.0.1:PORT/acme/hello/null" }
and a CLI configuration (TF_CLI_CONFIG_FILE) holding  credentials "127.0.0.1:PORT" { token = ".." }
or  credentials_helper "tok" {}  (TF_TOKEN_* variables cannot name a host with a port).
"""

import argparse
import hashlib
import hmac
import io
import json
import os
import secrets
import ssl
import sys
import tarfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from resource_guard import RequestLog, credentials, introspect

MODULE = ("acme", "hello", "null")
VERSIONS = ["1.0.0", "1.1.0"]
KEY = secrets.token_bytes(32)
MAIN_TF = """\
variable "greeting" {
  type    = string
  default = "hello from the private registry (module %s)"
}

output "greeting" {
  value = var.greeting
}
"""


def archive(version):
    """The module as a .tar.gz, made in memory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = (MAIN_TF % version).encode()
        info = tarfile.TarInfo("main.tf")
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


ARCHIVES = {v: archive(v) for v in VERSIONS}


def sign(path, exp):
    return hmac.new(KEY, f"{path}\n{exp}".encode(), hashlib.sha256).hexdigest()


class Handler(RequestLog, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    ISSUER = None
    URL_TTL = 60

    def record(self, scheme, status):
        # the signed URL's query is not logged (it is the archive's credential)
        path, self.path = self.path, urllib.parse.urlsplit(self.path).path
        try:
            super().record(scheme, status)
        finally:
            self.path = path

    def reply(self, status, body=None, headers=(), scheme=None):
        payload = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.record(scheme, status)
        self.send_response(status)
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]

        if url.path == "/.well-known/terraform.json":
            return self.reply(200, {"modules.v1": "/v1/modules/"})

        if parts[:1] == ["archive"] and len(parts) == 2:
            q = urllib.parse.parse_qs(url.query)
            exp, sig = q.get("exp", [""])[0], q.get("sig", [""])[0]
            name = parts[1]
            version = name.removeprefix("hello-").removesuffix(".tar.gz")
            ok = (
                exp.isdigit()
                and int(exp) >= time.time()
                and hmac.compare_digest(sig, sign(url.path, exp))
                and version in ARCHIVES
            )
            if not ok:
                return self.reply(403, {"errors": ["signature invalid or expired"]})
            return self.reply(200, ARCHIVES[version], [("Content-Type", "application/x-gzip")])

        if parts[:2] == ["v1", "modules"]:
            scheme, token = credentials(self.headers.get("Authorization"))
            if scheme != "bearer" or not token or not introspect(self.ISSUER, token):
                return self.reply(401, {"errors": ["not authorized: a Bearer token the provider reports active is required"]},
                                  scheme=scheme)
            rest = parts[2:]
            if tuple(rest[:3]) != MODULE:
                return self.reply(404, {"errors": ["not found"]}, scheme=scheme)
            if rest[3:] == ["versions"]:
                body = {"modules": [{"versions": [{"version": v} for v in VERSIONS]}]}
                return self.reply(200, body, scheme=scheme)
            if len(rest) == 5 and rest[4] == "download" and rest[3] in ARCHIVES:
                path = f"/archive/hello-{rest[3]}.tar.gz"
                exp = str(int(time.time()) + self.URL_TTL)
                host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
                get = f"https://{host}{path}?exp={exp}&sig={sign(path, exp)}"
                return self.reply(204, None, [("X-Terraform-Get", get)], scheme=scheme)
            return self.reply(404, {"errors": ["not found"]}, scheme=scheme)

        return self.reply(404, {"errors": ["not found"]})

    do_HEAD = do_GET


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("issuer")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca-file")
    p.add_argument("--log")
    p.add_argument("--url-ttl", type=int, default=60)
    a = p.parse_args()
    if a.ca_file:
        os.environ["SSL_CERT_FILE"] = a.ca_file
    Handler.ISSUER = a.issuer.rstrip("/")
    Handler.LOG = a.log
    Handler.URL_TTL = a.url_ttl
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(a.cert, a.key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
