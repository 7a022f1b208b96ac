/**
 * What an API does with an emulator token: read the discovery document, fetch the JWKS it names and verify
 * with jose (`createRemoteJWKSet` + `jwtVerify` with issuer and audience). Done for access and ID tokens of
 * every grant, at the three addresses a tenant answers on:
 *   - the root URL               http://127.0.0.1:<port>/
 *   - the path form              http://127.0.0.1:<port>/dev/
 *   - the host form              http://dev.localhost:<port>/  (sent to 127.0.0.1 with a Host header, as
 *     Node's resolver may not resolve *.localhost; jose cannot set Host, so that JWKS is fetched by hand
 *     and used through createLocalJWKSet).
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, startEmulator, type TestEmulator } from './helpers.js';

interface Discovery {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  userinfo_endpoint: string;
}

interface Form {
  name: string;
  /** Path prefix on the emulator's URL. */
  prefix: string;
  /** Host header to send, for the host form. */
  host?: (port: string) => string;
  expectedIssuer: (url: string, port: string) => string;
}

const FORMS: Form[] = [
  { name: 'root URL', prefix: '', expectedIssuer: (url) => `${url}/` },
  { name: '/dev/ path form', prefix: '/dev', expectedIssuer: (url) => `${url}/dev/` },
  { name: 'dev.localhost host form', prefix: '', host: (port) => `dev.localhost:${port}`, expectedIssuer: (_url, port) => `http://dev.localhost:${port}/` },
];

const USER = { username: 'user@example.com', password: 'pwd' } as const;
const REALM = 'http://auth0.com/oauth/grant-type/password-realm';

let t: TestEmulator;
let port: string;
beforeAll(async () => {
  t = await startEmulator();
  port = new URL(t.url).port;
});
afterAll(() => t.close());

describe.each(FORMS)('jose against the JWKS discovered at the $name', (form) => {
  let discovery: Discovery;
  let jwks: JWTVerifyGetKey;
  let issuer: string;

  const withHost = <R extends { set(name: string, value: string): R }>(req: R): R => (form.host ? req.set('Host', form.host(port)) : req);
  const token = async (body: Record<string, string>) => {
    const res = await withHost(t.http.post(`${form.prefix}/oauth/token`)).send({ ...TRUSTED, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { access_token: string; id_token?: string; refresh_token?: string; scope?: string };
  };
  const verify = async (jwt: string, audience: string): Promise<JWTPayload> => {
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: discovery.issuer, audience, algorithms: ['RS256'] });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload.iss).toBe(issuer);
    return payload;
  };

  beforeAll(async () => {
    issuer = form.expectedIssuer(t.url, port);
    if (form.host) {
      const res = await withHost(t.http.get('/.well-known/openid-configuration')).expect(200);
      discovery = res.body as Discovery;
      // The JWKS URL names dev.localhost; fetch it from 127.0.0.1 with that Host header.
      const jwksUrl = new URL(discovery.jwks_uri);
      expect(jwksUrl.host).toBe(form.host(port));
      const keys = await withHost(t.http.get(jwksUrl.pathname)).expect(200);
      jwks = createLocalJWKSet(keys.body as JSONWebKeySet);
    } else {
      const res = await fetch(`${t.url}${form.prefix}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      discovery = (await res.json()) as Discovery;
      jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    }
  });

  it('publishes the issuer of the address it was reached at, and endpoints under it', () => {
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.jwks_uri).toBe(`${issuer}.well-known/jwks.json`);
    expect(discovery.token_endpoint).toBe(`${issuer}oauth/token`);
    expect(discovery.userinfo_endpoint).toBe(`${issuer}userinfo`);
  });

  it('password grant: access token (API + /userinfo audience) and ID token verify', async () => {
    const res = await token({ grant_type: 'password', ...USER, audience: API, scope: 'openid' });
    const at = await verify(res.access_token, API);
    expect(at).toMatchObject({ aud: [API, `${issuer}userinfo`], gty: 'password', azp: 'trusted-app' });
    // The same token is also good for the /userinfo audience.
    await verify(res.access_token, `${issuer}userinfo`);
    const id = await verify(res.id_token!, 'trusted-app');
    expect(id).toMatchObject({ sub: at.sub, name: 'Example User', email: 'user@example.com' });
  });

  it('password-realm grant: tokens verify and name the employees user', async () => {
    const [realm, directory] = await Promise.all([
      token({ grant_type: REALM, realm: 'employees', ...USER, audience: API, scope: 'openid' }),
      token({ grant_type: 'password', ...USER, audience: API }),
    ]);
    const at = await verify(realm.access_token, API);
    expect(at).toMatchObject({ gty: 'password', azp: 'trusted-app' });
    expect(at.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(at.sub).not.toBe((await verify(directory.access_token, API)).sub);
    const id = await verify(realm.id_token!, 'trusted-app');
    expect(id).toMatchObject({ sub: at.sub, name: 'Example Employee' });
  });

  it('client_credentials grant: the access token verifies', async () => {
    const res = await token({ grant_type: 'client_credentials', audience: API });
    const at = await verify(res.access_token, API);
    expect(at).toMatchObject({ sub: 'trusted-app@clients', aud: API, scope: 'read:sample', gty: 'client-credentials', azp: 'trusted-app' });
  });

  it('refresh_token grant: the new access and ID tokens verify', async () => {
    const first = await token({ grant_type: 'password', ...USER, audience: API, scope: 'openid offline_access' });
    const res = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token! });
    const at = await verify(res.access_token, API);
    expect(at).toMatchObject({ gty: 'refresh_token', azp: 'trusted-app', aud: [API, `${issuer}userinfo`] });
    const id = await verify(res.id_token!, 'trusted-app');
    expect(id.sub).toBe(at.sub);
  });

  it('refuses a wrong audience and another address’s issuer', async () => {
    const res = await token({ grant_type: 'password', ...USER, audience: API, scope: 'openid' });
    await expect(jwtVerify(res.id_token!, jwks, { issuer, audience: 'spa' })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    const other = form.prefix === '/dev' ? `${t.url}/` : `${t.url}/dev/`;
    await expect(jwtVerify(res.access_token, jwks, { issuer: other, audience: API })).rejects.toMatchObject({ claim: 'iss' });
  });
});
