import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { API, TRUSTED, decode, fixture, startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let m: TestEmulator;
beforeAll(async () => {
  [t, m] = await Promise.all([startEmulator(), startEmulator({ config: fixture('multi-tenant.yaml') })]);
});
afterAll(() => Promise.all([t.close(), m.close()]));

const cc = (body: Record<string, unknown>) => t.http.post('/oauth/token').send({ grant_type: 'client_credentials', ...TRUSTED, ...body });

describe('client credentials grant', () => {
  it('issues a token with the client grant scopes, shaped like a real Auth0 M2M token', async () => {
    const res = await cc({ audience: API }).expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(res.body).toMatchObject({ scope: 'read:sample', expires_in: 86400, token_type: 'Bearer' });
    const issuer = t.emulator.tenants.dev!.issuer;
    const claims = await verifyWithServedJwks(t.http, res.body.access_token, { issuer, audience: API });
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'azp', 'scope', 'gty']);
    expect(claims).toMatchObject({ iss: issuer, sub: 'trusted-app@clients', aud: API, azp: 'trusted-app', scope: 'read:sample', gty: 'client-credentials' });
  });

  it('narrows scopes with `scope` and refuses scopes the grant lacks', async () => {
    const narrowed = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'client_credentials', audience: 'https://acme.example/api', scope: 'write:orders' })
      .expect(200);
    expect(narrowed.body.scope).toBe('write:orders');
    const refused = await cc({ audience: API, scope: 'read:sample write:sample openid' }).expect(403);
    expect(refused.body).toEqual({ error: 'access_denied', error_description: 'Client has not been granted scopes: write:sample, openid' });
  });

  it('answers 403 when the client has no grant for the API', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .send({ grant_type: 'client_credentials', client_id: 'outsider', client_secret: 'outsider-secret', audience: 'https://acme.example/api' })
      .expect(403);
    expect(res.body).toEqual({
      error: 'access_denied',
      error_description:
        'Client is not authorized to access "https://acme.example/api". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants',
    });
  });

  it('answers 403 for an unknown audience and for no audience at all', async () => {
    expect((await cc({ audience: 'https://other/api' }).expect(403)).body).toEqual({
      error: 'access_denied',
      error_description: 'Service not found: https://other/api',
    });
    expect((await cc({}).expect(403)).body).toEqual({
      error: 'access_denied',
      error_description: 'Non-global clients are not allowed access to APIv1',
    });
  });

  it('uses the tenant default_audience when audience is absent', async () => {
    const res = await m.http.post('/acme/oauth/token').auth('basic-app', 'basic-secret').send({ grant_type: 'client_credentials' }).expect(200);
    expect(decode(res.body.access_token).aud).toBe('https://acme.example/api');
    expect(res.body.expires_in).toBe(600);
  });

  it('signs HS256 APIs with the API signing secret and no kid', async () => {
    const res = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .type('form')
      .send({ grant_type: 'client_credentials', audience: 'https://hs.example/api' })
      .expect(200);
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, new TextEncoder().encode('a-very-long-hs256-signing-secret'), {
      algorithms: ['HS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.scope).toBe('read:hs');
  });

  it('requires a client secret even from a client whose method allows none', async () => {
    // `spa` does not have the grant; the check order gives unauthorized_client first.
    const res = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', client_id: 'spa', audience: API }).expect(403);
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: "Grant type 'client_credentials' not allowed for the client.",
      error_uri: 'https://auth0.com/docs/clients/client-grant-types',
    });
  });
});
