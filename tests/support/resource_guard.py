"""What tok's test resource servers share: accept only access tokens the test provider reports
active (RFC 7662 introspection as the confidential client `introspector`), read credentials from
an Authorization header, and log each request as one JSON line without the token.

Imported by git-server.py, registry-front.py and api-front.py (they run with this directory as
sys.path[0]).
"""

import base64
import json
import threading
import urllib.parse
import urllib.request


def introspection(issuer, token):
    """The provider's RFC 7662 answer for `token` (`active`, and for a sign-in's token `acr`)."""
    data = urllib.parse.urlencode({"token": token}).encode()
    req = urllib.request.Request(issuer + "/token/introspection", data=data)
    cred = base64.b64encode(b"introspector:introspector-secret").decode()
    req.add_header("Authorization", "Basic " + cred)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def introspect(issuer, token):
    """Whether the provider at `issuer` reports `token` active."""
    return introspection(issuer, token).get("active") is True


def credentials(header):
    """(scheme, token) from an Authorization header: a Bearer token, or the password of Basic
    credentials; (None, None) without one."""
    if not header or " " not in header:
        return None, None
    scheme, value = header.split(" ", 1)
    scheme = scheme.lower()
    if scheme == "bearer":
        return "bearer", value.strip()
    if scheme == "basic":
        try:
            _, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except Exception:
            return "basic", None
        return "basic", password
    return scheme, None


class RequestLog:
    """Mixin for BaseHTTPRequestHandler: `record()` a request to the --log file, read `body()`.

    Record before answering: a test reads the log as soon as its client has the answer."""

    LOG = None
    _lock = threading.Lock()

    def log_message(self, *args):
        pass

    def record(self, scheme, status):
        if self.LOG:
            line = json.dumps(
                {"method": self.command, "path": self.path, "scheme": scheme, "status": status}
            )
            with self._lock, open(self.LOG, "a") as f:
                f.write(line + "\n")

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""
