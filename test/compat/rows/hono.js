// hono's jwk middleware (hono/jwk) with the JWKS URL, and the issuer and audience to check.
import { Hono } from 'hono';
import { jwk } from 'hono/jwk';

export const library = 'hono (jwk middleware)';
export const packages = ['hono'];
export const settings = 'jwks_uri; verification.iss, verification.aud';

export async function resourceServer({ issuer, jwksUri, audience }) {
  const app = new Hono();
  app.use('/api/*', jwk({ jwks_uri: jwksUri, alg: ['RS256'], verification: { iss: issuer, aud: audience } }));
  app.get('/api/private', (c) => c.json({ sub: c.get('jwtPayload').sub }));
  return {
    // app.request: Hono's own way to call the app (its testing docs), the same handler a server would run.
    async accepts(token) {
      const res = await app.request('/api/private', { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status === 200) return true;
      if (res.status === 401) return false;
      throw new Error(`GET /api/private answered ${res.status}`);
    },
  };
}
