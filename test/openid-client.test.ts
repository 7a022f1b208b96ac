/**
 * An off-the-shelf OIDC client (openid-client v6, i.e. oauth4webapi underneath) against the emulator:
 * discovery, the password and client-credentials grants, /userinfo and refresh, at the root URL and at the
 * `/dev/` path form, for a confidential (client_secret_post) and a public (none) client. openid-client checks
 * the discovered issuer against the URL it was given, the token response shape and the ID token claims
 * (iss, aud, exp, iat, sub), so a pass here means a stock relying party accepts what the emulator says.
 */
import {
  ClientSecretPost,
  None,
  allowInsecureRequests,
  clientCredentialsGrant,
  discovery,
  fetchUserInfo,
  genericGrantRequest,
  refreshTokenGrant,
  type Configuration,
} from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, decode, startEmulator, type TestEmulator } from './helpers.js';

const USER = { username: 'user@example.com', password: 'pwd' } as const;
const OIDC_ALL = 'openid profile email address phone read:sample write:sample';

let t: TestEmulator;
let rootIssuer: string;
let pathIssuer: string;
let trusted: Configuration;
let trustedAtPath: Configuration;
let spa: Configuration;

const discover = (issuer: string, clientId: string, auth: ReturnType<typeof None>) =>
  discovery(new URL(issuer), clientId, undefined, auth, { execute: [allowInsecureRequests] });

beforeAll(async () => {
  t = await startEmulator();
  rootIssuer = t.emulator.tenants.dev!.issuer;
  pathIssuer = `${t.url}/dev/`;
  [trusted, trustedAtPath, spa] = await Promise.all([
    discover(rootIssuer, TRUSTED.client_id, ClientSecretPost(TRUSTED.client_secret)),
    discover(pathIssuer, TRUSTED.client_id, ClientSecretPost(TRUSTED.client_secret)),
    discover(rootIssuer, 'spa', None()),
  ]);
});
afterAll(() => t.close());

describe('openid-client: discovery', () => {
  it('discovers the root tenant, whose issuer is the base URL with a trailing slash', () => {
    expect(rootIssuer).toBe(`${t.url}/`);
    const meta = trusted.serverMetadata();
    expect(meta.issuer).toBe(rootIssuer);
    expect(meta.token_endpoint).toBe(`${rootIssuer}oauth/token`);
    expect(meta.userinfo_endpoint).toBe(`${rootIssuer}userinfo`);
    expect(meta.jwks_uri).toBe(`${rootIssuer}.well-known/jwks.json`);
    expect(meta.revocation_endpoint).toBe(`${rootIssuer}oauth/revoke`);
    expect(trusted.clientMetadata().client_id).toBe('trusted-app');
  });

  it('discovers the same tenant at the /dev/ path form, with a path-form issuer', () => {
    const meta = trustedAtPath.serverMetadata();
    expect(meta.issuer).toBe(pathIssuer);
    expect(meta.token_endpoint).toBe(`${pathIssuer}oauth/token`);
    expect(meta.userinfo_endpoint).toBe(`${pathIssuer}userinfo`);
    expect(meta.jwks_uri).toBe(`${pathIssuer}.well-known/jwks.json`);
  });

  it('refuses an issuer the emulator does not claim (openid-client checks the discovered issuer)', async () => {
    // `${t.url}/dev` (no trailing slash) discovers at /dev/.well-known/… whose issuer ends in a slash.
    await expect(discover(`${t.url}/dev`, 'trusted-app', ClientSecretPost(TRUSTED.client_secret))).rejects.toThrow(/issuer/);
  });
});

describe('openid-client: password grant (client_secret_post)', () => {
  it('gets an access token, an ID token and the expanded scope; /userinfo returns the profile', async () => {
    const asked = Date.now();
    const tokens = await genericGrantRequest(trusted, 'password', { ...USER, audience: API, scope: 'openid' });
    expect(tokens.token_type).toBe('bearer'); // oauth4webapi lowercases it
    expect(tokens.expires_in).toBe(86400);
    // What is left of the lifetime: 86400 s less (at most) the seconds since the request.
    expect(tokens.expiresIn()).toBeLessThanOrEqual(86400);
    expect(tokens.expiresIn()).toBeGreaterThanOrEqual(86400 - Math.ceil((Date.now() - asked) / 1000));
    expect(tokens.scope).toBe(OIDC_ALL);
    expect(tokens.refresh_token).toBeUndefined();

    const id = tokens.claims()!;
    expect(id).toMatchObject({ iss: rootIssuer, aud: 'trusted-app', name: 'Example User', nickname: 'user', email: 'user@example.com', email_verified: false });
    expect(id.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(id.exp - id.iat).toBe(36000);

    const at = decode(tokens.access_token);
    expect(at).toMatchObject({ iss: rootIssuer, sub: id.sub, aud: [API, `${rootIssuer}userinfo`], scope: OIDC_ALL, gty: 'password', azp: 'trusted-app' });

    const info = await fetchUserInfo(trusted, tokens.access_token, id.sub);
    expect(info).toMatchObject({ sub: id.sub, name: 'Example User', nickname: 'user', email: 'user@example.com', email_verified: false });
    expect(info.picture).toMatch(/^https:\/\/s\.gravatar\.com\/avatar\//);
    expect(info.updated_at).toBeTypeOf('string');
  });

  it('rejects a /userinfo answer for another subject (the expected-subject check is live)', async () => {
    const tokens = await genericGrantRequest(trusted, 'password', { ...USER, audience: API, scope: 'openid' });
    await expect(fetchUserInfo(trusted, tokens.access_token, 'auth0|000000000000000000000000')).rejects.toMatchObject({
      code: 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
      cause: { cause: { attribute: 'sub', expected: 'auth0|000000000000000000000000' } },
    });
  });

  it('omits `scope` when the requested API scope is granted as asked', async () => {
    const tokens = await genericGrantRequest(trusted, 'password', { ...USER, audience: API, scope: 'read:sample' });
    expect(tokens.scope).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.claims()).toBeUndefined();
    expect(decode(tokens.access_token).scope).toBe('read:sample');
  });

  it('logs a user in through the password-realm extension grant', async () => {
    const tokens = await genericGrantRequest(trusted, 'http://auth0.com/oauth/grant-type/password-realm', {
      ...USER,
      realm: 'employees',
      audience: API,
      scope: 'openid',
    });
    const id = tokens.claims()!;
    expect(id.name).toBe('Example Employee');
    const info = await fetchUserInfo(trusted, tokens.access_token, id.sub);
    expect(info.name).toBe('Example Employee');
  });

  it('surfaces the emulator’s OAuth error as a ResponseBodyError', async () => {
    const err = await genericGrantRequest(trusted, 'password', { ...USER, password: 'nope', audience: API }).then(
      () => undefined,
      (e: unknown) => e as { error?: string; error_description?: string; status?: number },
    );
    expect(err).toMatchObject({ error: 'invalid_grant', error_description: 'Wrong email or password.', status: 403 });
  });
});

describe('openid-client: client credentials grant', () => {
  it('gets a machine-to-machine token with the client grant’s scope', async () => {
    const tokens = await clientCredentialsGrant(trusted, { audience: API });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(86400);
    expect(tokens.scope).toBe('read:sample');
    expect(tokens.id_token).toBeUndefined();
    expect(tokens.refresh_token).toBeUndefined();
    expect(decode(tokens.access_token)).toMatchObject({
      iss: rootIssuer,
      sub: 'trusted-app@clients',
      aud: API,
      azp: 'trusted-app',
      scope: 'read:sample',
      gty: 'client-credentials',
    });
  });

  it('is refused for a client without the grant type', async () => {
    await expect(clientCredentialsGrant(spa, { audience: API })).rejects.toMatchObject({
      status: 403,
      error: 'unauthorized_client',
      error_description: "Grant type 'client_credentials' not allowed for the client.",
    });
  });
});

describe('openid-client: path-form issuer (/dev/)', () => {
  it('runs password, userinfo and client credentials with path-form iss everywhere', async () => {
    const tokens = await genericGrantRequest(trustedAtPath, 'password', { ...USER, audience: API, scope: 'openid' });
    expect(tokens.scope).toBe(OIDC_ALL);
    const id = tokens.claims()!;
    expect(id.iss).toBe(pathIssuer);
    expect(decode(tokens.access_token).aud).toEqual([API, `${pathIssuer}userinfo`]);
    const info = await fetchUserInfo(trustedAtPath, tokens.access_token, id.sub);
    expect(info).toMatchObject({ sub: id.sub, email: 'user@example.com' });

    const cc = await clientCredentialsGrant(trustedAtPath, { audience: API });
    expect(decode(cc.access_token)).toMatchObject({ iss: pathIssuer, sub: 'trusted-app@clients' });
  });

  it('gives the same user the same sub at either address', async () => {
    const [a, b] = await Promise.all([
      genericGrantRequest(trusted, 'password', { ...USER, audience: API, scope: 'openid' }),
      genericGrantRequest(trustedAtPath, 'password', { ...USER, audience: API, scope: 'openid' }),
    ]);
    expect(a.claims()!.sub).toBe(b.claims()!.sub);
  });
});

describe('openid-client: public client (token_endpoint_auth_method none) and refresh', () => {
  it('logs the SPA in with only client_id and refreshes with refreshTokenGrant', async () => {
    const tokens = await genericGrantRequest(spa, 'password', { ...USER, audience: API, scope: 'openid offline_access' });
    expect(tokens.scope).toBe('openid profile email address phone offline_access read:sample write:sample');
    expect(tokens.refresh_token).toMatch(/^v1\./);
    const id = tokens.claims()!;
    expect(id.aud).toBe('spa');
    expect(decode(tokens.access_token).azp).toBe('spa');

    const refreshed = await refreshTokenGrant(spa, tokens.refresh_token!);
    expect(refreshed.expires_in).toBe(86400);
    expect(refreshed.scope).toBe(tokens.scope); // the refresh grant always returns scope
    expect(refreshed.refresh_token).toBeUndefined(); // non-rotating by default
    expect(refreshed.claims()).toMatchObject({ sub: id.sub, aud: 'spa', iss: rootIssuer });
    expect(decode(refreshed.access_token)).toMatchObject({ sub: id.sub, gty: 'refresh_token', azp: 'spa' });
    const info = await fetchUserInfo(spa, refreshed.access_token, id.sub);
    expect(info.email).toBe('user@example.com');
  });

  it('refreshes the confidential client, narrowing the scope on request', async () => {
    const tokens = await genericGrantRequest(trusted, 'password', { ...USER, audience: API, scope: 'openid offline_access' });
    const sub = tokens.claims()!.sub;
    const refreshed = await refreshTokenGrant(trusted, tokens.refresh_token!, { scope: 'openid read:sample' });
    expect(refreshed.scope).toBe('openid read:sample');
    expect(refreshed.claims()).toMatchObject({ sub, aud: 'trusted-app' });
    expect(decode(refreshed.access_token)).toMatchObject({ sub, scope: 'openid read:sample', gty: 'refresh_token', azp: 'trusted-app' });
  });

  it('will not refresh one client’s token as another client', async () => {
    const tokens = await genericGrantRequest(spa, 'password', { ...USER, audience: API, scope: 'offline_access' });
    await expect(refreshTokenGrant(trusted, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant', status: 403 });
  });
});
