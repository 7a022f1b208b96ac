/**
 * CORS at /oauth/token and /oauth/revoke follows the client's origins (browser flows reference §5.4): its Allowed
 * Web Origins, Allowed Origins (CORS) and the origins of its callbacks. A preflight is granted to any origin (it
 * names no client); the POST is refused (401, no Access-Control-Allow-Origin) from an origin that is not the client's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, startEmulator, type TestEmulator } from './helpers.js';
import { CODE_CONFIG, SPA, SPA_CALLBACK, SPA_ORIGIN, WEB_POST } from './code-grant-config.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: CODE_CONFIG });
});
afterAll(() => t.close());

const INVALID_CODE = { error: 'invalid_grant', error_description: 'Invalid authorization code' };
const UNAUTHORIZED = { error: 'access_denied', error_description: 'Unauthorized' };
const spaExchange = (origin: string, path = '/oauth/token') =>
  t.http.post(path).set('Origin', origin).set('Auth0-Client', 'eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=').type('form').send(form({ grant_type: 'authorization_code', ...SPA, code: 'unknown', code_verifier: 'v'.repeat(43), redirect_uri: SPA_CALLBACK }));
const cors = (res: { headers: Record<string, string> }) =>
  Object.fromEntries(Object.entries(res.headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

describe('CORS at the token and revocation endpoints', () => {
  it('a preflight is granted to any origin: POST, with Content-Type, Auth0-Client and DPoP', async () => {
    for (const path of ['/oauth/token', '/dev/oauth/token', '/oauth/revoke', '/dev/oauth/revoke']) {
      for (const origin of [SPA_ORIGIN, 'https://elsewhere.example']) {
        const res = await t.http.options(path).set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'auth0-client,content-type');
        expect({ path, status: res.status, text: res.text, cors: cors(res) }).toEqual({
          path,
          status: 204,
          text: '',
          cors: {
            vary: 'Origin',
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'POST',
            'access-control-allow-headers': 'Content-Type, Auth0-Client, DPoP',
            'access-control-max-age': '600',
          },
        });
      }
    }
  });

  it("a POST from one of the client's origins is answered with the origin allowed, errors included", async () => {
    // Allowed Web Origins, Allowed Origins (CORS) with a wildcard, on a tenant's path and at the root.
    for (const [origin, path] of [
      [SPA_ORIGIN, '/oauth/token'],
      [SPA_ORIGIN, '/dev/oauth/token'],
      ['https://app.cors.example', '/oauth/token'],
    ] as const) {
      const res = await spaExchange(origin, path);
      expect({ status: res.status, body: res.body, cors: cors(res) }).toEqual({ status: 403, body: INVALID_CODE, cors: { vary: 'Origin', 'access-control-allow-origin': origin } });
    }
    // A callback's origin (the regular web app's).
    const res = await t.http.post('/oauth/token').set('Origin', 'http://localhost:4000').type('form').send(form({ grant_type: 'authorization_code', ...WEB_POST, code: 'unknown' }));
    expect({ status: res.status, body: res.body, cors: cors(res) }).toEqual({ status: 403, body: INVALID_CODE, cors: { vary: 'Origin', 'access-control-allow-origin': 'http://localhost:4000' } });
  });

  it("a POST from another origin is refused before the grant runs: 401, and no Access-Control-Allow-Origin", async () => {
    for (const origin of ['http://localhost:3001', 'https://cors.example', 'null']) {
      const res = await spaExchange(origin);
      expect({ origin, status: res.status, body: res.body, cors: cors(res) }).toEqual({ origin, status: 401, body: UNAUTHORIZED, cors: { vary: 'Origin' } });
    }
    // A client the tenant does not have: nothing to allow the origin.
    const res = await t.http.post('/oauth/token').set('Origin', SPA_ORIGIN).type('form').send(form({ grant_type: 'authorization_code', client_id: 'nobody', code: 'x' }));
    expect({ status: res.status, body: res.body, cors: cors(res) }).toEqual({ status: 401, body: UNAUTHORIZED, cors: { vary: 'Origin' } });
    // No Origin (a server, curl): no CORS headers at all.
    const server = await t.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...SPA, code: 'x', code_verifier: 'v'.repeat(43) }));
    expect({ status: server.status, body: server.body, cors: cors(server) }).toEqual({ status: 403, body: INVALID_CODE, cors: {} });
  });

  it("revocation: the client's origin is allowed, another is refused with revocation's 401", async () => {
    const ok = await t.http.post('/oauth/revoke').set('Origin', SPA_ORIGIN).send({ ...SPA, token: 'v1.unknown' });
    expect({ status: ok.status, text: ok.text, cors: cors(ok) }).toEqual({ status: 200, text: '', cors: { vary: 'Origin', 'access-control-allow-origin': SPA_ORIGIN } });
    const refused = await t.http.post('/oauth/revoke').set('Origin', 'http://localhost:3001').send({ ...SPA, token: 'v1.unknown' });
    expect({ status: refused.status, body: refused.body, cors: cors(refused) }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      cors: { vary: 'Origin' },
    });
  });

  it('other endpoints keep allowing any origin', async () => {
    const preflight = await t.http.options('/userinfo').set('Origin', 'https://elsewhere.example').set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    expect({ status: preflight.status, cors: cors(preflight) }).toEqual({
      status: 204,
      cors: { vary: 'Origin', 'access-control-allow-origin': 'https://elsewhere.example', 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'authorization', 'access-control-max-age': '600' },
    });
    const jwks = await t.http.get('/.well-known/jwks.json').set('Origin', 'https://elsewhere.example').expect(200);
    expect(cors(jwks)).toEqual({ vary: 'Origin', 'access-control-allow-origin': 'https://elsewhere.example' });
  });
});
