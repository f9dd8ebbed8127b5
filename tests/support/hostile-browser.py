#!/usr/bin/python3
"""A $BROWSER that attacks tok's loopback listener before behaving like the real one.

Usage (as tok launches a browser): hostile-browser.py AUTH_URL
Reads redirect_uri and state from AUTH_URL, then, against the listener: opens a connection that
never sends a byte, sends a callback with a forged state, one with no state, one on another
path, and tries the port on ::1 and on this host's non-loopback address. Each result is appended
as one JSON line to $TOK_TEST_HOSTILE_LOG. Finally runs tests/provider/browser.mjs AUTH_URL, so
the real approval arrives while the silent connection is still open.
"""

import json
import os
import socket
import subprocess
import sys
import urllib.parse

url = sys.argv[1]
q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
redirect = urllib.parse.urlparse(q["redirect_uri"][0])
port = redirect.port
log = open(os.environ["TOK_TEST_HOSTILE_LOG"], "a")


def record(**kw):
    log.write(json.dumps(kw) + "\n")
    log.flush()


def get(target):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.split(b"\r\n", 1)[0].decode()


def reachable(host):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


silent = socket.create_connection(("127.0.0.1", port))
record(step="forged_state", status=get("/callback?code=forged&state=not-the-state"))
record(step="no_state", status=get("/callback?code=forged"))
record(step="other_path", status=get("/favicon.ico"))
record(step="ipv6_loopback", reachable=reachable("::1"))
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect(("192.0.2.1", 9))
    own = u.getsockname()[0]
except OSError:
    own = None
if own and not own.startswith("127."):
    record(step="other_address", address="non-loopback", reachable=reachable(own))
browser = os.path.join(os.path.dirname(__file__), "..", "provider", "browser.mjs")
rc = subprocess.call(["node", browser, url])
silent.close()
record(step="real_browser", exit=rc)
sys.exit(rc)
