"""What the cloud stand-ins know of the token tok presents: a JWT (an ID token) is verified as a
cloud verifies it — signature against the provider's JWKS (from its discovery document), `iss`
exactly the issuer, `exp` in the future, and the `aud` returned for the caller to compare; an
opaque access token is checked live with the provider (RFC 7662 introspection)."""

import json
import os
import sys
import time
import urllib.request

from joserfc import jwt
from joserfc.jwk import KeySet

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from resource_guard import introspect  # noqa: E402


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def check(issuer, token):
    """{"kind": "jwt"|"opaque", "valid": bool, "aud": [...], "sub": ..., "why": ...}."""
    if token.count(".") != 2:
        return {"kind": "opaque", "valid": bool(token) and introspect(issuer, token)}
    try:
        meta = _get(issuer.rstrip("/") + "/.well-known/openid-configuration")
        keys = KeySet.import_key_set(_get(meta["jwks_uri"]))
        claims = jwt.decode(token, keys, algorithms=["RS256", "PS256", "ES256", "EdDSA"]).claims
    except Exception as e:  # noqa: BLE001 - any failure means "not valid"
        return {"kind": "jwt", "valid": False, "why": f"{type(e).__name__}: {e}"}
    aud = claims.get("aud")
    aud = aud if isinstance(aud, list) else [aud]
    why = None
    if claims.get("iss") != issuer:
        why = f"iss {claims.get('iss')!r}"
    elif not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        why = "expired"
    return {"kind": "jwt", "valid": why is None, "aud": aud, "sub": claims.get("sub"), "why": why}
