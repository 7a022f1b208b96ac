import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint } from 'jose';
import { fixture, startEmulator, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let m: TestEmulator;
beforeAll(async () => {
  [t, m] = await Promise.all([startEmulator(), startEmulator({ config: fixture('multi-tenant.yaml') })]);
});
afterAll(() => Promise.all([t.close(), m.close()]));

describe('discovery and JWKS', () => {
  it('serves the discovery document of a real tenant, with this URL as the issuer', async () => {
    const issuer = `${t.url}/`;
    const res = await t.http.get('/.well-known/openid-configuration').expect(200);
    const expected = {
      issuer,
      authorization_endpoint: `${issuer}authorize`,
      token_endpoint: `${issuer}oauth/token`,
      userinfo_endpoint: `${issuer}userinfo`,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      revocation_endpoint: `${issuer}oauth/revoke`,
      scopes_supported: ['openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'nickname', 'email', 'email_verified', 'picture', 'created_at', 'identities', 'phone', 'address'],
      response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token'],
      code_challenge_methods_supported: ['S256', 'plain'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      claims_supported: ['aud', 'auth_time', 'created_at', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'identities', 'iss', 'name', 'nickname', 'phone_number', 'picture', 'sub'],
      request_uri_parameter_supported: false,
      request_parameter_supported: false,
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
      end_session_endpoint: `${issuer}oidc/logout`,
    };
    // Auth0's order; what the emulator does not serve (device code, MFA challenge, registration) is left out.
    expect(JSON.stringify(res.body)).toBe(JSON.stringify(expected));
    const oas = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(oas.body).toEqual(res.body);
  });

  it('serves the JWKS with Auth0’s key shape; kid is the RFC 7638 thumbprint', async () => {
    const res = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(Object.keys(key)).toEqual(['kty', 'use', 'n', 'e', 'kid', 'x5t', 'x5c', 'alg']);
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', e: 'AQAB', alg: 'RS256' });
    expect(key.kid).toBe(await calculateJwkThumbprint(key));
    expect(JSON.stringify(res.body)).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it('answers If-None-Match with 304', async () => {
    for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration']) {
      const first = await t.http.get(path).expect(200);
      expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
      await t.http.get(path).set('If-None-Match', first.headers.etag!).expect(304);
    }
  });
});

describe('tenant URLs', () => {
  it('serves a tenant at /<tenant>/ and at <tenant>.localhost, each with its own issuer', async () => {
    const byPath = await t.http.get('/dev/.well-known/openid-configuration').expect(200);
    expect(byPath.body.issuer).toBe(`${t.url}/dev/`);
    expect(byPath.body.token_endpoint).toBe(`${t.url}/dev/oauth/token`);
    const port = new URL(t.url).port;
    const byHost = await t.http.get('/.well-known/openid-configuration').set('Host', `dev.localhost:${port}`).expect(200);
    expect(byHost.body.issuer).toBe(`http://dev.localhost:${port}/`);
  });

  it('matches the tenant host name case-insensitively', async () => {
    const port = new URL(m.url).port;
    const acme = (await m.http.get('/acme/.well-known/jwks.json')).body.keys[0].kid;
    for (const host of [`ACME.localhost:${port}`, `acme.LOCALHOST.:${port}`]) {
      const res = await m.http.get('/.well-known/jwks.json').set('Host', host).expect(200);
      expect(res.body.keys[0].kid).toBe(acme);
    }
  });

  it('keeps tenants apart: own keys, and nothing at the root when no tenant is the default', async () => {
    const acme = await m.http.get('/acme/.well-known/jwks.json').expect(200);
    const globex = await m.http.get('/globex/.well-known/jwks.json').expect(200);
    expect(acme.body.keys[0].kid).not.toBe(globex.body.keys[0].kid);
    const root = await m.http.get('/.well-known/openid-configuration').expect(404);
    expect(root.body).toEqual({ error: 'not_found', error_description: 'No tenant at /.well-known/openid-configuration. Tenants are served at /acme/, /globex/' }); // emulator's wording (NOTE(emulator) in src/http/tenant.ts)
  });

  it('uses a tenant’s fixed issuer in discovery and tokens', async () => {
    const res = await m.http.get('/globex/.well-known/openid-configuration').expect(200);
    expect(res.body.issuer).toBe('https://auth.globex.example/');
    expect(res.body.jwks_uri).toBe('https://auth.globex.example/.well-known/jwks.json');
    const token = await m.http
      .post('/globex/oauth/token')
      .send({ grant_type: 'password', client_id: 'globex-app', client_secret: 'globex-secret', username: 'gus@globex.example', password: 'pw', scope: 'openid' })
      .expect(200);
    const payload = JSON.parse(Buffer.from(token.body.id_token.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ iss: 'https://auth.globex.example/', sub: 'auth0|globex-1' });
  });

  it('answers browser preflights (CORS) for SPAs', async () => {
    const res = await t.http
      .options('/oauth/token')
      .set('Origin', 'http://localhost:3000')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    // What auth0-spa-js sends (browser flows reference §5.4); token-cors.test.ts has the rest.
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type, Auth0-Client, DPoP');
    expect(res.headers['access-control-allow-methods']).toBe('POST');
  });
});
