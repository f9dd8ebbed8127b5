"""AWS STS on loopback for tok's tests: moto's real server, with a thin front that records
each AssumeRoleWithWebIdentity call and checks its token with the test provider.

    tests/cloud/.venv/bin/python moto-sts.py ISSUER --log FILE

Listens on http://127.0.0.1:PORT (printed as the first stdout line). Every request goes to
moto's server app unchanged, except AssumeRoleWithWebIdentity calls, which are first logged to
FILE as one JSON line {"action", "role_arn", "session_name", "duration", "token_kind",
"token_valid", "aud", "status"}: moto does not verify the web identity token (it cannot know
tok's issuer), so the front does what STS does with an ID token (subject.py: the signature
against the provider's JWKS, `iss`, `exp`; an opaque access token is checked live with the
provider instead), and answers what STS answers for a token whose issuer the account does not trust — an
InvalidIdentityToken ErrorResponse — when it is not, or when the role is named `untrusted`
(the one fault no local STS produces by itself). Exits when stdin reaches EOF.
"""

import io
import json
import os
import sys
import threading
import urllib.parse

from werkzeug.serving import make_server
from moto.server import DomainDispatcherApplication, create_backend_app

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from subject import check  # noqa: E402

ISSUER = sys.argv[1]
LOG = sys.argv[sys.argv.index("--log") + 1]
LOCK = threading.Lock()
MOTO = DomainDispatcherApplication(create_backend_app)

REFUSED = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidIdentityToken</Code>
    <Message>No OpenIDConnect provider found in your account for {issuer}</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>
"""


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if form.get("Action") != ["AssumeRoleWithWebIdentity"]:
        return MOTO(environ, start_response)
    token = form.get("WebIdentityToken", [""])[0]
    role = form.get("RoleArn", [""])[0]
    seen = check(ISSUER, token)
    refused = not seen["valid"] or role.endswith("role/untrusted")
    with LOCK, open(LOG, "a") as f:
        f.write(json.dumps({
            "action": "AssumeRoleWithWebIdentity",
            "role_arn": role,
            "session_name": form.get("RoleSessionName", [""])[0],
            "duration": form.get("DurationSeconds", [None])[0],
            "token_kind": seen["kind"],
            "token_valid": seen["valid"],
            "aud": seen.get("aud"),
            "why": seen.get("why"),
            "status": 400 if refused else 200,
        }) + "\n")
    if refused:
        data = REFUSED.format(issuer=ISSUER).encode()
        start_response("400 Bad Request", [("Content-Type", "text/xml"),
                                           ("Content-Length", str(len(data)))])
        return [data]
    return MOTO(environ, start_response)


def main():
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
