// jose, as README's "Point your app or SDK at it" shows it.
import { createRemoteJWKSet, jwtVerify } from 'jose';

export const library = 'jose (createRemoteJWKSet + jwtVerify)';
export const packages = ['jose'];
export const settings = 'JWKS URL and issuer';

export async function resourceServer({ issuer, jwksUri, audience }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  return {
    async accepts(token) {
      try {
        await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'] });
        return true;
      } catch {
        return false;
      }
    },
  };
}
