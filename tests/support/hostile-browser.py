#!/usr/bin/python3
"""A $BROWSER that attacks tok's loopback listener before behaving like the real one.

Usage (as tok launches a browser): hostile-browser.py URL
URL is tok's one-time start link (http://127.0.0.1:PORT/start/...) or, from an older tok, the
authorization URL itself. Each result is appended as one JSON line to $TOK_TEST_HOSTILE_LOG:

  argv         whether this program's argv (readable by every local user in /proc/PID/cmdline)
               carries `state` or `code_challenge`
  start        the start link's first answer (status, and whether it redirects to the provider)
  drip         with TOK_TEST_HOSTILE_DRIP=N: N connections that each send one byte per second
               (a slow-loris holding the listener's slots), opened before the real browser runs;
               `cut` in `drip_end` is how many of them tok had closed by the end
  forged_state, no_state, other_path, ipv6_loopback, other_address: forged or foreign requests
  real_browser tests/provider/browser.mjs run on the authorization URL (its exit status)
  second_start the start link fetched again at once (must be refused)
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

url = sys.argv[1]
log = open(os.environ["TOK_TEST_HOSTILE_LOG"], "a")


def record(**kw):
    log.write(json.dumps(kw) + "\n")
    log.flush()


record(step="argv", has_state="state=" in url, has_challenge="code_challenge" in url)
start = urllib.parse.urlparse(url)


def request(port, target):
    """GET target; return (status line, headers dict, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body.decode(errors="replace")


if start.path.startswith("/start/"):
    port = start.port
    status, headers, _ = request(port, start.path)
    auth_url = headers.get("location", "")
    record(step="start", status=status, to_provider="code_challenge=" in auth_url)
    # The link fetched again while tok waits (another user who read it from argv, a replay).
    status, _, body = request(port, start.path)
    record(step="second_start", status=status, says=body[:2000])
else:
    auth_url = url
q = urllib.parse.parse_qs(urllib.parse.urlparse(auth_url).query)
port = urllib.parse.urlparse(q["redirect_uri"][0]).port


def get(target):
    return request(port, target)[0]


def reachable(host):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


drippers = []
cut = []
stop = threading.Event()


def drip(s):
    s.sendall(b"G")
    while not stop.is_set():
        time.sleep(1)
        try:
            s.sendall(b"E")
        except OSError:
            cut.append(1)
            return
    s.close()


for _ in range(int(os.environ.get("TOK_TEST_HOSTILE_DRIP", "0"))):
    s = socket.create_connection(("127.0.0.1", port))
    t = threading.Thread(target=drip, args=(s,), daemon=True)
    t.start()
    drippers.append(t)
if drippers:
    record(step="drip", connections=len(drippers))
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
began = time.monotonic()
rc = subprocess.call(["node", browser, auth_url])
record(step="real_browser", exit=rc, seconds=round(time.monotonic() - began, 1))
silent.close()
if drippers:
    stop.set()
    record(step="drip_end", alive=sum(t.is_alive() for t in drippers), cut=len(cut))
sys.exit(rc)
