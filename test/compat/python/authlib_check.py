"""authlib's JOSE: the JWKS as a key set, jwt.decode, and the claims checked with claims_options.

Reads {"issuer", "jwks_uri", "audience", "tokens": {name: token}} on stdin and prints {name: accepted}.
"""
import json
import sys
import urllib.request

from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import JoseError

request = json.load(sys.stdin)
with urllib.request.urlopen(request["jwks_uri"]) as response:
    key_set = JsonWebKey.import_key_set(json.load(response))
claims_options = {
    "iss": {"essential": True, "value": request["issuer"]},
    "aud": {"essential": True, "value": request["audience"]},
    "exp": {"essential": True},
}
results = {}
for name, token in request["tokens"].items():
    try:
        claims = jwt.decode(token, key_set, claims_options=claims_options)
        claims.validate()
        results[name] = True
    except (JoseError, ValueError):
        results[name] = False
print(json.dumps(results))
