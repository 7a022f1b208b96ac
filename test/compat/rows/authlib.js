// authlib's JOSE (python/authlib_check.py), from Debian's python3-authlib.
import { pythonResourceServer } from '../python.js';

export const library = 'authlib (authlib.jose)';
export const packages = ['debian:python3-authlib'];
export const settings = 'JWKS URL; claims_options iss, aud';

export const resourceServer = (ctx) => pythonResourceServer('authlib_check.py', ctx);
