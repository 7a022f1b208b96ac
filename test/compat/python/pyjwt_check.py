"""PyJWT's PyJWKClient, as PyJWT's docs show it ("Retrieve RSA signing keys from a JWKS endpoint").

Reads {"issuer", "jwks_uri", "audience", "tokens": {name: token}} on stdin and prints {name: accepted}.
"""
import json
import sys

import jwt

request = json.load(sys.stdin)
jwks_client = jwt.PyJWKClient(request["jwks_uri"])
results = {}
for name, token in request["tokens"].items():
    try:
        signing_key = jwks_client.get_signing_key_from_jwt(token)
        jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=request["audience"], issuer=request["issuer"])
        results[name] = True
    except jwt.PyJWTError:
        results[name] = False
print(json.dumps(results))
