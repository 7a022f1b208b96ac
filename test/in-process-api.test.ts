/**
 * The programmatic API other projects' test suites use: createEmulator() and its methods (users, clients,
 * client grants, reset, journal, clock, minting), driven only through the package's public exports, with
 * HTTP over supertest and tokens verified with jose against the JWKS the emulator serves.
 * Most tests start their own emulator (`await using`): memory-only emulators share the tenant's signing key
 * within the process, so a start costs milliseconds and no test sees another's runtime changes.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import supertest from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ChangeError,
  MintError,
  PortInUseError,
  createEmulator,
  type Auth0User,
  type AuthEmulatorConfig,
  type Emulator,
  type EmulatorOptions,
  type JournalEntry,
} from '../src/index.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, fixture, tempDir, writeTemp } from './helpers.js';

const EXAMPLE_TEXT = readFileSync(EXAMPLE_CONFIG, 'utf8');
const EXAMPLE = parse(EXAMPLE_TEXT) as AuthEmulatorConfig;
const WITH_RULE = fixture('in-process/with-rule.yaml');
const UPA = 'Username-Password-Authentication';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An emulator over a copy of the example config (an object: memory only), listening on a free port. */
function start(options: EmulatorOptions = {}): Promise<Emulator> {
  return createEmulator({ config: structuredClone(EXAMPLE), port: 0, ...options });
}

const http = (e: Emulator) => supertest(e.url!);
const dev = (e: Emulator) => e.tenants.dev!;

async function jwks(e: Emulator): Promise<{ keys: { kid: string }[] }> {
  const res = await http(e).get(new URL(dev(e).jwksUri).pathname).expect(200);
  return res.body as { keys: { kid: string }[] };
}

/** Verifies with jose against the JWKS the emulator serves; the issuer must be the tenant's. */
async function verify(e: Emulator, token: string, options: JWTVerifyOptions = {}): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, createLocalJWKSet(await jwks(e)), { algorithms: ['RS256'], issuer: dev(e).issuer, ...options });
  return payload;
}

const password = (e: Emulator, body: Record<string, unknown> = {}) =>
  http(e).post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED, ...body });
const refresh = (e: Emulator, token: string) => http(e).post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: token, ...TRUSTED });
const clientCredentials = (e: Emulator, client: { client_id: string; client_secret: string }) =>
  http(e).post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...client });
const userinfo = (e: Emulator, token: string) => http(e).get('/userinfo').set('Authorization', `Bearer ${token}`);

/** What the clock is frozen at in most tests: the current second, so jose (real time) accepts the tokens. */
function freezeNow(e: Emulator): number {
  const now = Math.floor(Date.now() / 1000);
  e.clock.freeze(now * 1000);
  return now;
}

const ALL_OIDC = 'openid profile email address phone';
const NOT_AUTHORIZED = `Client is not authorized to access "${API}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`;
const USER_PICTURE = 'https://s.gravatar.com/avatar/b58996c504c5638798eb6b511e6f49af?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fus.png';

// ---------------------------------------------------------------------------------------------------------

describe('start and close', () => {
  it('listens on a free port and names each tenant’s issuer and endpoints', async () => {
    await using e = await createEmulator({ config: structuredClone(EXAMPLE), port: 0 });
    expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = e.url!;
    expect(e.tenants).toEqual({
      dev: {
        name: 'dev',
        issuer: `${url}/`,
        tokenUrl: `${url}/oauth/token`,
        jwksUri: `${url}/.well-known/jwks.json`,
        discoveryUrl: `${url}/.well-known/openid-configuration`,
      },
    });
    const discovery = await http(e).get(new URL(dev(e).discoveryUrl).pathname).expect(200);
    expect(discovery.body).toMatchObject({ issuer: dev(e).issuer, token_endpoint: dev(e).tokenUrl, jwks_uri: dev(e).jwksUri });
  });

  it('`await using` closes it: the port refuses connections and no handle is left behind', async () => {
    const before = await settledResources();
    let url: string;
    {
      await using e = await start();
      url = e.url!;
      await password(e).expect(200);
      await http(e).get('/.well-known/jwks.json').expect(200);
      expect(resources()).not.toEqual(before);
    }
    expect(await connectError(url)).toBe('ECONNREFUSED');
    expectNoLeak(before, await settledResources(before));
  });

  it('leaves nothing behind with rules either (the extension sandbox is shut down)', async () => {
    const before = await settledResources();
    let url: string;
    {
      await using e = await createEmulator({ config: WITH_RULE, stateDir: false, port: 0 });
      url = e.url!;
      await password(e).expect(200);
    }
    expect(await connectError(url)).toBe('ECONNREFUSED');
    expectNoLeak(before, await settledResources(before));
  });

  it('close() works without `await using`, and an emulator without `port` does not listen', async () => {
    const e = await start({ port: undefined });
    expect(e.url).toBeUndefined();
    const url = await e.listen(0);
    expect(e.url).toBe(url);
    await password(e).expect(200);
    await e.close();
    expect(await connectError(url)).toBe('ECONNREFUSED');
  });

  // The state file's handle is not an active resource: /proc shows whether it is open.
  it.runIf(process.platform === 'linux')('a start that cannot listen (a busy port) leaves nothing behind: no extension worker, watcher or open state file', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = join(dir, 'state');
    const busy = createNetServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const before = await settledResources();
      // With a rule (a worker starts with the emulator) and watch (a watcher), on a state folder.
      const err = await createEmulator({ config: WITH_RULE, stateDir, watch: true, port }).catch((error: unknown) => error);
      expect(err).toBeInstanceOf(PortInUseError);
      expectNoLeak(before, await settledResources(before));
      expect(openFiles(stateDir)).toEqual([]);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it.runIf(process.platform === 'linux')('after close(), a request still in flight is answered 500 and does not open the state file again', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = join(dir, 'state');
    const errors: unknown[] = [];
    const e = await start({ stateDir, onError: (err) => errors.push(err) });
    const token = (await password(e, { scope: 'offline_access' }).expect(200)).body.refresh_token as string;
    // What a connection that was open at close() still delivers.
    const handler = supertest(e.callback());
    await e.close();
    expect(openFiles(stateDir)).toEqual([]);
    const SERVER_ERROR = { error: 'server_error', error_description: 'Internal error in the emulator (see its log)' };
    expect((await handler.post('/oauth/revoke').send({ token, ...TRUSTED })).body).toEqual(SERVER_ERROR);
    const login = await handler.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...TRUSTED });
    expect({ status: login.status, body: login.body }).toEqual({ status: 500, body: SERVER_ERROR });
    expect(openFiles(stateDir)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('takes a config object (memory only by default) or a YAML path (state beside it)', async () => {
    const cwdState = join(process.cwd(), '.auth-emulator');
    const hadCwdState = existsSync(cwdState);

    await using memory = await start({ stateDir: false });
    await using fromObject = await start();
    await password(fromObject).expect(200);
    // Same key as an explicitly memory-only emulator (the process-wide one), nothing written in the cwd.
    expect((await jwks(fromObject)).keys.map((k) => k.kid)).toEqual((await jwks(memory)).keys.map((k) => k.kid));
    expect(existsSync(cwdState)).toBe(hadCwdState);

    const dir = tempDir();
    dirs.push(dir);
    const file = writeTemp(dir, 'auth.config.yaml', EXAMPLE_TEXT);
    {
      await using fromFile = await createEmulator({ config: file, port: 0 });
      await password(fromFile).expect(200);
      const res = await password(fromFile, { scope: 'openid' }).expect(200);
      const claims = await verify(fromFile, res.body.id_token, { audience: 'trusted-app' });
      expect(claims.name).toBe('Example User');
      expect((await jwks(fromFile)).keys.map((k) => k.kid)).not.toEqual((await jwks(memory)).keys.map((k) => k.kid));
    }
    expect(existsSync(join(dir, '.auth-emulator', 'keys', 'dev.pem'))).toBe(true);
  });
});

describe('start time', () => {
  // What makes a start take milliseconds: no RSA key is generated after the first (bench/ measures the time).
  it('reuses the tenant’s key in the process: every later start serves the same key', async () => {
    let kid: string | undefined;
    {
      await using first = await start();
      kid = (await jwks(first)).keys[0]!.kid;
    }
    for (let i = 0; i < 10; i++) {
      await using e = await start();
      expect((await jwks(e)).keys.map((k) => k.kid)).toEqual([kid]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('mint', () => {
  it('mints a user access token as the password grant would: iss, sub, aud with /userinfo, all API scopes', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const sub = e.getUser('user@example.com')!.user_id;
    const token = await e.accessToken({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid' });
    const claims = await verify(e, token, { audience: API });
    expect(claims).toEqual({
      iss: dev(e).issuer,
      sub,
      aud: [API, `${dev(e).issuer}userinfo`],
      iat: now,
      exp: now + 86400,
      scope: `${ALL_OIDC} read:sample write:sample`,
      gty: 'password',
      azp: 'trusted-app',
    });
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'scope', 'gty', 'azp']);
    // The same token the password grant gives.
    const granted = await password(e, { scope: 'openid' }).expect(200);
    expect(decode(granted.body.access_token)).toEqual(claims);
    // And /userinfo takes it.
    expect((await userinfo(e, token).expect(200)).body).toMatchObject({ sub, email: 'user@example.com' });
  });

  it('follows the password grant’s scope rules', async () => {
    await using e = await start();
    const scopeOf = async (scope?: string) =>
      (await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, ...(scope === undefined ? {} : { scope }) })).scope;
    expect(await scopeOf()).toBe('read:sample write:sample');
    expect(await scopeOf('read:sample')).toBe('read:sample');
    expect(await scopeOf('read:sample delete:everything')).toBe('read:sample');
    expect(await scopeOf('openid email read:sample')).toBe('openid email read:sample');
    expect((await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: ['openid', 'write:sample'] })).scope).toBe(
      `${ALL_OIDC} write:sample`,
    );
  });

  it('mints an ID token: aud is the client, profile claims from the user', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const user = e.getUser('user@example.com')!;
    const token = await e.idToken({ client: 'trusted-app', user: 'user@example.com' });
    const claims = await verify(e, token, { audience: 'trusted-app' });
    expect(claims).toEqual({
      nickname: 'user',
      name: 'Example User',
      picture: USER_PICTURE,
      updated_at: user.updated_at,
      email: 'user@example.com',
      email_verified: false,
      iss: dev(e).issuer,
      sub: user.user_id,
      aud: 'trusted-app',
      iat: now,
      exp: now + 36000,
    });
    expect(Object.keys(claims)).toEqual(Object.keys(decode((await password(e, { scope: 'openid' })).body.id_token)));
  });

  it('mints a full response, with a refresh token for offline_access that the refresh grant takes', async () => {
    await using e = await start();
    const res = await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid offline_access' });
    expect(Object.keys(res)).toEqual(['access_token', 'refresh_token', 'id_token', 'scope', 'expires_in', 'token_type']);
    expect(res).toMatchObject({ scope: `${ALL_OIDC} offline_access read:sample write:sample`, expires_in: 86400, token_type: 'Bearer' });
    expect(res.refresh_token).toMatch(/^v1\.[A-Za-z0-9_-]{64}$/);
    const refreshed = await refresh(e, res.refresh_token!).expect(200);
    expect(decode(refreshed.body.access_token)).toMatchObject({ sub: e.getUser('user@example.com')!.user_id, gty: 'refresh_token' });
  });

  it('mints a client-credentials token without a user', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const res = await e.mint({ client: 'trusted-app', audience: API });
    expect(res).toEqual({ access_token: expect.any(String), scope: 'read:sample', expires_in: 86400, token_type: 'Bearer' });
    const claims = await verify(e, res.access_token, { audience: API });
    expect(claims).toEqual({
      iss: dev(e).issuer,
      sub: 'trusted-app@clients',
      aud: API,
      iat: now,
      exp: now + 86400,
      scope: 'read:sample',
      gty: 'client-credentials',
      azp: 'trusted-app',
    });
    const granted = await clientCredentials(e, TRUSTED).expect(200);
    expect(decode(granted.body.access_token)).toEqual(claims);
  });

  it('sets the lifetime with expiresIn', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const res = await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid', expiresIn: 60 });
    expect(res.expires_in).toBe(60);
    const claims = await verify(e, res.access_token, { audience: API });
    expect([claims.iat, claims.exp]).toEqual([now, now + 60]);
  });

  it('mints an already-expired token with expiresIn <= 0: jose and /userinfo refuse it', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const res = await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid offline_access', expiresIn: -10 });
    expect(res.refresh_token).toBeUndefined();
    expect(decode(res.access_token)).toMatchObject({ exp: now - 10 });
    await expect(verify(e, res.access_token, { audience: API })).rejects.toBeInstanceOf(errors.JWTExpired);
    await expect(verify(e, res.id_token!, { audience: 'trusted-app' })).rejects.toBeInstanceOf(errors.JWTExpired);
    const rejected = await userinfo(e, res.access_token).expect(401);
    expect(rejected.headers['www-authenticate']).toBe('Bearer realm="Users", error="invalid_token", error_description="The token has expired"');
  });

  it('mints a not-yet-valid token with notBefore (nbf claim)', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const token = await e.accessToken({ client: 'trusted-app', user: 'user@example.com', audience: API, notBefore: 300 });
    // Without openid, aud is the API alone.
    expect(decode(token)).toMatchObject({ aud: API, iat: now, nbf: now + 300, exp: now + 86400 });
    await expect(verify(e, token, { audience: API })).rejects.toMatchObject({
      name: 'JWTClaimValidationFailed',
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'nbf',
      reason: 'check_failed',
    });
    const cc = await e.accessToken({ client: 'trusted-app', audience: API, notBefore: 300 });
    expect(decode(cc)).toMatchObject({ nbf: now + 300 });
  });

  it('refuses an unknown client, user or audience with a MintError', async () => {
    await using e = await start();
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);
    const cases: [Promise<unknown>, string][] = [
      [e.mint({ client: 'nope', user: 'user@example.com' }), 'No client "nope" in tenant "dev".'],
      [e.mint({ client: 'trusted-app', user: 'nobody@example.com' }), 'No user "nobody@example.com" in tenant "dev".'],
      [e.mint({ client: 'trusted-app', user: 'user@example.com', connection: 'nope' }), 'No user "user@example.com" in tenant "dev" (connection nope).'],
      [e.mint({ client: 'trusted-app', user: 'user@example.com', audience: 'https://nope.example/api' }), 'Service not found: https://nope.example/api'],
      [e.mint({ client: 'trusted-app' }), 'A client-credentials token needs an audience (or a tenant default_audience).'],
      [e.mint({ tenant: 'nope', client: 'trusted-app' }), 'No tenant named "nope".'],
    ];
    for (const [promise, message] of cases) {
      const err = await failure(promise);
      expect(err).toBeInstanceOf(MintError);
      expect((err as Error).message).toBe(message);
    }
  });

  it('finds a user by user_id, or in a named connection', async () => {
    await using e = await start();
    const employee = e.listUsers({ connection: 'employees' }).find((u) => u.email === 'user@example.com')!;
    const byRealm = decode(await e.accessToken({ client: 'trusted-app', user: 'user@example.com', connection: 'employees', audience: API }));
    expect(byRealm.sub).toBe(employee.user_id);
    const byId = decode(await e.idToken({ client: 'trusted-app', user: employee.user_id }));
    expect(byId).toMatchObject({ sub: employee.user_id, name: 'Example Employee' });
  });

  it('runs rules on minted tokens', async () => {
    await using e = await createEmulator({ config: WITH_RULE, stateDir: false, port: 0 });
    const res = await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid' });
    const at = await verify(e, res.access_token, { audience: API });
    expect(at['https://example.com/rule']).toBe('oauth2-password trusted-app user@example.com');
    const id = await verify(e, res.id_token!, { audience: 'trusted-app' });
    expect(id['https://example.com/plan']).toBe('gold');
    // As on a password login.
    const granted = await password(e, { scope: 'openid' }).expect(200);
    expect(decode(granted.body.access_token)['https://example.com/rule']).toBe('oauth2-password trusted-app user@example.com');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('runtime users, clients and client grants', () => {
  const NEW_USER = { email: 'New.User@example.com', password: 'new-pwd', name: 'New User', user_metadata: { theme: 'dark' } };

  it('addUser: the user can log in over HTTP; a second add answers 409', async () => {
    await using e = await start();
    const now = freezeNow(e);
    const at = new Date(now * 1000).toISOString();
    const added = e.addUser(NEW_USER);
    expect(added.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(added).toEqual({
      user_id: added.user_id,
      email: 'new.user@example.com',
      email_verified: false,
      name: 'New User',
      nickname: 'new.user',
      picture: expect.stringMatching(/^https:\/\/s\.gravatar\.com\/avatar\/[0-9a-f]{32}\?s=480&r=pg&d=https%3A%2F%2Fcdn\.auth0\.com%2Favatars%2Fne\.png$/),
      identities: [{ connection: UPA, user_id: added.user_id.slice('auth0|'.length), provider: 'auth0', isSocial: false }],
      created_at: at,
      updated_at: at,
      user_metadata: { theme: 'dark' },
      app_metadata: {},
    } satisfies Auth0User);
    expect(e.getUser(added.user_id)).toEqual(added);

    const res = await password(e, { username: 'new.user@example.com', password: 'new-pwd', scope: 'openid' }).expect(200);
    expect((await verify(e, res.body.access_token, { audience: API })).sub).toBe(added.user_id);
    expect(await verify(e, res.body.id_token, { audience: 'trusted-app' })).toMatchObject({ sub: added.user_id, name: 'New User', email: 'new.user@example.com' });
    await password(e, { username: 'new.user@example.com', password: 'pwd' }).expect(403);

    let err: unknown;
    try {
      e.addUser({ email: 'NEW.USER@example.com', password: 'other' });
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(ChangeError);
    expect(err).toMatchObject({ name: 'ChangeError', status: 409, code: 'auth0_idp_error', message: 'The user already exists.' });
    // The same email in another connection is another user.
    expect(e.addUser({ email: 'new.user@example.com', password: 'x', connection: 'employees' }).identities[0]!.connection).toBe('employees');
  });

  it('addUser refuses an unknown connection and invalid fields with 400', async () => {
    await using e = await start();
    expect(() => e.addUser({ email: 'a@example.com', password: 'x', connection: 'nope' })).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_body', message: 'The connection does not exist: nope' }),
    );
    expect(() => e.addUser({ email: 'not-an-email', password: 'x' })).toThrow(expect.objectContaining({ status: 400, code: 'invalid_body' }));
    expect(() => e.addUser({ email: 'a@example.com' })).toThrow(
      expect.objectContaining({ status: 400, message: 'Payload validation error: password: expected `password` or `password_hash`' }),
    );
  });

  it('hands out copies: changing a returned user changes nothing in the emulator', async () => {
    await using e = await start();
    const user = e.getUser('user@example.com')!;
    user.app_metadata.plan = 'changed';
    user.user_metadata.theme = 'changed';
    expect(e.getUser('user@example.com')!.app_metadata).toEqual({ some_app_metadata: 'another value' });
    const bare = e.addUser({ email: 'bare@example.com', password: 'pw' });
    bare.app_metadata.x = 1; // no metadata in the config: a fresh object, not the shared frozen one
    expect(e.getUser('bare@example.com')!.app_metadata).toEqual({});
  });

  it('updateUser: root fields replace, metadata merges with null deleting a key; the ID token follows', async () => {
    await using e = await start();
    const before = e.getUser('user@example.com')!;
    const now = freezeNow(e);
    const updated = e.updateUser(before.user_id, {
      name: 'Renamed User',
      user_metadata: { some_user_metadata: null, theme: 'dark' },
      app_metadata: { plan: 'pro' },
    });
    expect(updated).toEqual({
      ...before,
      name: 'Renamed User',
      user_metadata: { theme: 'dark' },
      app_metadata: { some_app_metadata: 'another value', plan: 'pro' },
      updated_at: new Date(now * 1000).toISOString(),
      created_at: updated.created_at,
    });
    expect(e.getUser(before.user_id)).toEqual(updated);

    const res = await password(e, { scope: 'openid' }).expect(200);
    expect(await verify(e, res.body.id_token, { audience: 'trusted-app' })).toMatchObject({ name: 'Renamed User', updated_at: updated.updated_at });
    expect(decode(await e.idToken({ client: 'trusted-app', user: before.user_id })).name).toBe('Renamed User');
    // Another patch merges onto the previous one.
    expect(e.updateUser(before.user_id, { user_metadata: { lang: 'fr' } }).user_metadata).toEqual({ theme: 'dark', lang: 'fr' });
    expect(() => e.updateUser('auth0|000000000000000000000000', { name: 'x' })).toThrow(
      expect.objectContaining({ name: 'ChangeError', status: 404, code: 'inexistent_user' }),
    );
  });

  it('updateUser password: the new one logs in, the old one no longer does; a removed user can be added again', async () => {
    await using e = await start();
    const id = e.getUser('user@example.com')!.user_id;
    e.updateUser(id, { password: 'changed' });
    await password(e, { password: 'changed' }).expect(200);
    await password(e).expect(403);

    await e.removeUser(id);
    await password(e, { password: 'changed' }).expect(403);
    const again = e.addUser({ email: 'user@example.com', password: 'pwd' });
    expect(again.user_id).toBe(id);
    expect(again.name).toBe('user@example.com');
    expect((await password(e).expect(200)).body.access_token).toBeTypeOf('string');
  });

  it('updateUser keeps a config user’s created_at', async () => {
    await using e = await start();
    const before = e.getUser('user@example.com')!;
    e.clock.freeze(new Date('2030-01-01T00:00:00Z'));
    expect(e.updateUser(before.user_id, { name: 'Renamed' }).created_at).toBe(before.created_at);
  });

  it('blockUser refuses the password grant with 401 user is blocked; unblockUser lets the user in again', async () => {
    await using e = await start();
    const id = e.getUser('user@example.com')!.user_id;
    expect(e.blockUser(id).blocked).toBe(true);
    expect(e.getUser(id)!.blocked).toBe(true);
    const res = await password(e).expect(401);
    expect(res.body).toEqual({ error: 'unauthorized', error_description: 'user is blocked' }); // emulator's status (NOTE(emulator) in src/grants/password-login.ts)
    expect(e.unblockUser(id).blocked).toBeUndefined();
    await password(e).expect(200);
  });

  it('removeUser: the password grant answers 403 and refresh tokens issued before stop working', async () => {
    await using e = await start();
    const id = e.getUser('user@example.com')!.user_id;
    const { refresh_token } = (await password(e, { scope: 'openid offline_access' }).expect(200)).body as { refresh_token: string };
    await refresh(e, refresh_token).expect(200);

    expect(await e.removeUser(id)).toBe(true);
    expect(e.getUser(id)).toBeUndefined();
    expect(e.getUser('user@example.com')).toEqual(expect.objectContaining({ identities: [expect.objectContaining({ connection: 'employees' })] }));
    expect((await password(e).expect(403)).body).toEqual({ error: 'invalid_grant', error_description: 'Wrong email or password.' });
    expect((await refresh(e, refresh_token).expect(403)).body).toEqual({
      error: 'invalid_grant',
      error_description: "The refresh_token was generated for a user who doesn't exist anymore.",
    });
    expect(await e.removeUser(id)).toBe(false);
  });

  it('addClient + addClientGrant: client credentials work for the new client; removeClientGrant: 403', async () => {
    await using e = await start();
    const bot = { client_id: 'ci-bot', client_secret: 'ci-bot-secret' };
    expect(e.addClient({ ...bot, app_type: 'non_interactive', grant_types: ['client_credentials'] })).toEqual({ client_id: 'ci-bot', name: 'ci-bot' });
    expect((await clientCredentials(e, bot).expect(403)).body).toEqual({ error: 'access_denied', error_description: NOT_AUTHORIZED });

    expect(e.addClientGrant({ client_id: 'ci-bot', audience: API, scope: ['write:sample'] })).toEqual({ client_id: 'ci-bot', audience: API, scope: ['write:sample'] });
    const res = await clientCredentials(e, bot).expect(200);
    expect(await verify(e, res.body.access_token, { audience: API })).toMatchObject({ sub: 'ci-bot@clients', azp: 'ci-bot', scope: 'write:sample', gty: 'client-credentials' });

    expect(e.removeClientGrant({ client_id: 'ci-bot', audience: API })).toBe(true);
    expect((await clientCredentials(e, bot).expect(403)).body).toEqual({ error: 'access_denied', error_description: NOT_AUTHORIZED });
    expect(e.removeClientGrant({ client_id: 'ci-bot', audience: API })).toBe(false);

    // A config grant can be removed too.
    expect(e.removeClientGrant({ client_id: 'trusted-app', audience: API })).toBe(true);
    expect((await clientCredentials(e, TRUSTED).expect(403)).body).toEqual({ error: 'access_denied', error_description: NOT_AUTHORIZED });
  });

  it('addClient and addClientGrant refuse duplicates and unknown references', async () => {
    await using e = await start();
    expect(() => e.addClient({ client_id: 'trusted-app', client_secret: 'x' })).toThrow(expect.objectContaining({ name: 'ChangeError', status: 409 }));
    expect(() => e.addClient({ client_id: 'no-secret' })).toThrow(
      expect.objectContaining({ status: 400, message: 'Payload validation error: client_secret is required for a confidential client' }),
    );
    expect(() => e.addClientGrant({ client_id: 'nope', audience: API })).toThrow(expect.objectContaining({ status: 404, code: 'inexistent_client' }));
    expect(() => e.addClientGrant({ client_id: 'spa', audience: 'https://nope.example' })).toThrow(
      expect.objectContaining({ status: 404, code: 'inexistent_resource_server' }),
    );
    expect(() => e.addClientGrant({ client_id: 'trusted-app', audience: API })).toThrow(expect.objectContaining({ status: 409 }));
  });

  it('keeps runtime changes across a reload of the YAML file', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = writeTemp(dir, 'auth.config.yaml', EXAMPLE_TEXT);
    await using e = await createEmulator({ config: file, stateDir: false, port: 0 });
    const bot = { client_id: 'ci-bot', client_secret: 'ci-bot-secret' };
    const added = e.addUser(NEW_USER);
    const userId = e.getUser('user@example.com')!.user_id;
    const boss = e.getUser('boss@corp.example')!.user_id;
    e.updateUser(userId, { name: 'Renamed User' });
    e.blockUser(boss);
    e.addClient({ ...bot, grant_types: ['client_credentials'] });
    e.addClientGrant({ client_id: 'ci-bot', audience: API, scope: ['read:sample'] });
    e.removeClientGrant({ client_id: 'trusted-app', audience: API });
    const users = e.listUsers();

    // The config changes too: a new user in `employees`.
    writeTemp(dir, 'auth.config.yaml', EXAMPLE_TEXT.replace('          - email: boss@corp.example\n', '          - email: intern@corp.example\n            password: intern\n          - email: boss@corp.example\n'));
    expect(await e.reload()).toEqual({ ok: true, summary: expect.any(String), ms: expect.any(Number) });

    expect(e.getUser('intern@corp.example')).toMatchObject({ identities: [{ connection: 'employees' }] });
    expect(e.listUsers().filter((u) => u.email !== 'intern@corp.example')).toEqual(users);
    expect(e.getUser(added.user_id)).toEqual(added);
    await password(e, { username: 'new.user@example.com', password: 'new-pwd' }).expect(200);
    const res = await password(e, { scope: 'openid' }).expect(200);
    expect(decode(res.body.id_token).name).toBe('Renamed User');
    await password(e, { grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', username: 'boss@corp.example', password: 's3cret' }).expect(401);
    await clientCredentials(e, bot).expect(200);
    await clientCredentials(e, TRUSTED).expect(403);
  });

  it('a config user’s created_at and updated_at survive a reload', async () => {
    await using e = await createEmulator({ config: EXAMPLE_CONFIG, stateDir: false, port: 0 });
    const before = e.getUser('boss@corp.example')!;
    await new Promise((r) => setTimeout(r, 5));
    expect(await e.reload()).toMatchObject({ ok: true });
    expect(e.getUser('boss@corp.example')).toEqual(before);
  });

  it('getUser and listUsers return Auth0-shaped users', async () => {
    await using e = await start();
    const user = e.getUser('user@example.com')!;
    expect(user).toEqual({
      user_id: expect.stringMatching(/^auth0\|[0-9a-f]{24}$/),
      email: 'user@example.com',
      email_verified: false,
      name: 'Example User',
      nickname: 'user',
      picture: USER_PICTURE,
      identities: [{ connection: UPA, user_id: user.user_id.slice('auth0|'.length), provider: 'auth0', isSocial: false }],
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: user.created_at,
      user_metadata: { some_user_metadata: 'value' },
      app_metadata: { some_app_metadata: 'another value' },
    } satisfies Auth0User);
    expect(Object.keys(user)).toEqual([
      'user_id', 'email', 'email_verified', 'name', 'nickname', 'picture', 'identities', 'created_at', 'updated_at', 'user_metadata', 'app_metadata',
    ]);
    expect(e.getUser(user.user_id)).toEqual(user);
    expect(e.getUser('USER@EXAMPLE.COM')).toEqual(user);
    expect(e.getUser('nobody@example.com')).toBeUndefined();

    const summary = (u: Auth0User) => `${u.identities[0]!.connection} ${u.email}`;
    expect(e.listUsers().map(summary)).toEqual([`${UPA} user@example.com`, 'employees boss@corp.example', 'employees user@example.com']);
    expect(e.listUsers({ connection: 'employees' }).map(summary)).toEqual(['employees boss@corp.example', 'employees user@example.com']);
    expect(e.listUsers()[0]).toEqual(user);

    // A login counts.
    await password(e).expect(200);
    expect(e.getUser(user.user_id)).toEqual({ ...user, logins_count: 1 });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('reset', () => {
  it('restores the config users, clients and grants, forgets refresh tokens, empties the journal, lets the clock run', async () => {
    await using e = await start();
    const users = e.listUsers();
    const userId = e.getUser('user@example.com')!.user_id;
    const bossId = e.getUser('boss@corp.example')!.user_id;
    const bot = { client_id: 'ci-bot', client_secret: 'ci-bot-secret' };

    e.clock.freeze(new Date('2030-01-01T00:00:00Z'));
    const { refresh_token } = (await password(e, { scope: 'offline_access' }).expect(200)).body as { refresh_token: string };
    e.addUser({ email: 'reset.me@example.com', password: 'x' });
    e.updateUser(userId, { name: 'Renamed User', app_metadata: { plan: 'pro' } });
    e.blockUser(userId);
    await e.removeUser(bossId);
    e.addClient({ ...bot, grant_types: ['client_credentials'] });
    e.addClientGrant({ client_id: 'ci-bot', audience: API });
    e.removeClientGrant({ client_id: 'trusted-app', audience: API });
    await clientCredentials(e, bot).expect(200);
    expect(e.journal).toHaveLength(2);

    await e.reset();

    expect(e.journal).toEqual([]);
    expect(e.clock.frozen).toBe(false);
    const before = Date.now();
    const clockNow = e.clock.now();
    expect(clockNow).toBeGreaterThanOrEqual(before);
    expect(clockNow).toBeLessThanOrEqual(Date.now());
    expect(e.listUsers()).toEqual(users);
    expect(e.getUser('reset.me@example.com')).toBeUndefined();

    expect((await refresh(e, refresh_token).expect(403)).body).toEqual({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    const asked = Math.floor(Date.now() / 1000);
    const res = await password(e, { scope: 'openid' }).expect(200);
    const iat = (await verify(e, res.body.id_token, { audience: 'trusted-app' })).iat!;
    expect(iat).toBeGreaterThanOrEqual(asked);
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(decode(res.body.id_token).name).toBe('Example User');
    await password(e, { username: 'reset.me@example.com', password: 'x' }).expect(403);
    await password(e, { grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', username: 'boss@corp.example', password: 's3cret' }).expect(200);
    await clientCredentials(e, TRUSTED).expect(200);
    expect((await clientCredentials(e, bot).expect(401)).body).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('clock', () => {
  const JAN_2030 = 1893456000;

  it('freeze: tokens granted over HTTP and minted carry the frozen time', async () => {
    await using e = await start();
    e.clock.freeze(new Date('2030-01-01T00:00:00Z'));
    expect(e.clock.frozen).toBe(true);
    expect(e.clock.now()).toBe(JAN_2030 * 1000);

    const granted = await password(e, { scope: 'openid' }).expect(200);
    expect(await verify(e, granted.body.access_token, { audience: API, currentDate: new Date(JAN_2030 * 1000) })).toMatchObject({ iat: JAN_2030, exp: JAN_2030 + 86400 });
    expect(decode(granted.body.id_token)).toMatchObject({ iat: JAN_2030, exp: JAN_2030 + 36000 });
    const minted = await e.mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid' });
    expect(decode(minted.access_token)).toMatchObject({ iat: JAN_2030, exp: JAN_2030 + 86400 });
    expect(decode(minted.id_token!)).toMatchObject({ iat: JAN_2030 });
    expect(decode(await e.accessToken({ client: 'trusted-app', audience: API }))).toMatchObject({ iat: JAN_2030 });

    // Still frozen a little later.
    await new Promise((r) => setTimeout(r, 20));
    expect(e.clock.now()).toBe(JAN_2030 * 1000);
  });

  it('advance: /userinfo refuses a token issued before once its lifetime has passed', async () => {
    await using e = await start();
    e.clock.freeze(new Date('2030-01-01T00:00:00Z'));
    const token = (await password(e, { scope: 'openid' }).expect(200)).body.access_token as string;
    await userinfo(e, token).expect(200);
    e.clock.advance(86_399_000);
    await userinfo(e, token).expect(200);
    e.clock.advance(2_000);
    expect(e.clock.now()).toBe((JAN_2030 + 86_401) * 1000);
    const res = await userinfo(e, token).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="Users", error="invalid_token", error_description="The token has expired"');
    // And back.
    e.clock.advance(-2_000);
    await userinfo(e, token).expect(200);
  });

  it('set jumps (frozen or running); unfreeze lets time run from where it stands', async () => {
    await using e = await start();
    const JUNE_2031 = Date.parse('2031-06-01T00:00:00Z');
    e.clock.freeze(new Date('2030-01-01T00:00:00Z'));
    e.clock.set(new Date(JUNE_2031));
    expect(e.clock.frozen).toBe(true);
    expect(e.clock.now()).toBe(JUNE_2031);
    expect(decode(await e.accessToken({ client: 'trusted-app', audience: API }))).toMatchObject({ iat: JUNE_2031 / 1000 });

    // Running again, it moves on from where it stood by the real time that passed (read on either side).
    const unfreezing = Date.now();
    e.clock.unfreeze();
    const unfrozen = Date.now();
    expect(e.clock.frozen).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    const before = Date.now();
    const running = e.clock.now();
    const iat = decode(await e.accessToken({ client: 'trusted-app', audience: API })).iat as number;
    const after = Date.now();
    expect(running).toBeGreaterThan(JUNE_2031);
    expect(running - JUNE_2031).toBeGreaterThanOrEqual(before - unfrozen);
    expect(running - JUNE_2031).toBeLessThanOrEqual(after - unfreezing);
    expect(iat * 1000).toBeGreaterThanOrEqual(JUNE_2031);
    expect(iat * 1000).toBeLessThanOrEqual(JUNE_2031 + (after - unfreezing));

    // set while running: keeps running, from the new time.
    const setAt = Date.now();
    e.clock.set(JAN_2030 * 1000);
    expect(e.clock.frozen).toBe(false);
    const sinceSet = e.clock.now() - JAN_2030 * 1000;
    expect(sinceSet).toBeGreaterThanOrEqual(0);
    expect(sinceSet).toBeLessThanOrEqual(Date.now() - setAt);
    const resetAt = Date.now();
    e.clock.reset();
    const afterReset = e.clock.now();
    expect(afterReset).toBeGreaterThanOrEqual(resetAt);
    expect(afterReset).toBeLessThanOrEqual(Date.now());
  });

  it('follows the `clock` option as its source, and reset goes back to it', async () => {
    let source = JAN_2030 * 1000;
    await using e = await start({ clock: () => source });
    expect(decode(await e.accessToken({ client: 'trusted-app', audience: API }))).toMatchObject({ iat: JAN_2030 });
    source += 60_000;
    expect(e.clock.now()).toBe(source);
    e.clock.advance(1_000);
    expect(e.clock.now()).toBe(source + 1_000);
    e.clock.reset();
    expect(e.clock.now()).toBe(source);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('journal', () => {
  it('lists requests newest last: endpoint, tenant, grant, client, user and error; clearJournal empties it', async () => {
    await using e = await start();
    e.clock.freeze(new Date('2030-01-01T00:00:00Z'));
    const userId = e.getUser('user@example.com')!.user_id;
    expect(e.journal).toEqual([]);

    await password(e).expect(200);
    e.clock.advance(1_000);
    await clientCredentials(e, { client_id: 'trusted-app', client_secret: 'wrong' }).expect(401);
    e.clock.advance(1_000);
    await http(e).get('/.well-known/jwks.json').expect(200);
    // Minting is not a request: it leaves no entry.
    await e.mint({ client: 'trusted-app', audience: API });

    expect(e.journal).toEqual([
      { time: '2030-01-01T00:00:00.000Z', method: 'POST', path: '/oauth/token', status: 200, tenant: 'dev', grant: 'password', client: 'trusted-app', user: userId },
      { time: '2030-01-01T00:00:01.000Z', method: 'POST', path: '/oauth/token', status: 401, tenant: 'dev', grant: 'client_credentials', client: 'trusted-app', error: 'access_denied' },
      { time: '2030-01-01T00:00:02.000Z', method: 'GET', path: '/.well-known/jwks.json', status: 200, tenant: 'dev' },
    ] satisfies JournalEntry[]);

    // A copy: changing it changes nothing.
    e.journal.length = 0;
    expect(e.journal).toHaveLength(3);

    e.clearJournal();
    expect(e.journal).toEqual([]);
    await http(e).get('/.well-known/openid-configuration').expect(200);
    expect(e.journal).toEqual([{ time: '2030-01-01T00:00:02.000Z', method: 'GET', path: '/.well-known/openid-configuration', status: 200, tenant: 'dev' }]);
  });
});

// ---------------------------------------------------------------------------------------------------------

/**
 * Resources before and after an emulator's life, split for comparison. Timers are counted, not matched: the
 * test framework starts and stops its own, so after may hold fewer than before, never more.
 */
function leakView(before: string[], after: string[]) {
  const others = (list: string[]) => list.filter((r) => r !== 'Timeout');
  const timers = (list: string[]) => list.length - others(list).length;
  return { others: [others(after), others(before)], extraTimers: Math.max(0, timers(after) - timers(before)) } as const;
}

function expectNoLeak(before: string[], after: string[]): void {
  const view = leakView(before, after);
  expect(view.others[0]).toEqual(view.others[1]);
  expect(view.extraTimers).toBe(0);
}

/** Active resources (handles and requests) by type, as a sorted list. */
function resources(): string[] {
  return [...process.getActiveResourcesInfo()].sort();
}

/**
 * The current resources once nothing has changed for a moment; with `before`, waits (up to 2 s) until nothing
 * is left over. Sockets close a tick or two after close() resolves.
 */
async function settledResources(before?: string[]): Promise<string[]> {
  const deadline = Date.now() + 2_000;
  let last = resources();
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = resources();
    let done: boolean;
    if (before) {
      const view = leakView(before, now);
      done = JSON.stringify(view.others[0]) === JSON.stringify(view.others[1]) && view.extraTimers === 0;
    } else done = JSON.stringify(now) === JSON.stringify(last);
    if (done || Date.now() > deadline) return now;
    last = now;
  }
}

/** The error code of a TCP connection attempt to the URL's port (undefined when it connects). */
function connectError(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

/** The files under `dir` this process holds open (Linux: /proc/self/fd). */
function openFiles(dir: string): string[] {
  const target = (fd: string) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // closed since the listing (the listing's own fd, say)
    }
  };
  return readdirSync('/proc/self/fd').map(target).filter((file) => file.startsWith(`${dir}/`));
}
