// PyJWT's PyJWKClient (python/pyjwt_check.py), from Debian's python3-jwt.
import { pythonResourceServer } from '../python.js';

export const library = 'PyJWT (PyJWKClient + jwt.decode)';
export const packages = ['debian:python3-jwt'];
export const settings = 'JWKS URL, issuer, audience';

export const resourceServer = (ctx) => pythonResourceServer('pyjwt_check.py', ctx);
