import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API as CHILD_API, PASSWORD, ROTOR, STEADY, userEmail, writeRefreshConfig } from './refresh-config.js';
import { API, TRUSTED, decode, fixture, startEmulator, tempDir, verifyWithServedJwks, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let m: TestEmulator;
beforeAll(async () => {
  [t, m] = await Promise.all([startEmulator(), startEmulator({ config: fixture('multi-tenant.yaml') })]);
});
afterAll(() => Promise.all([t.close(), m.close()]));

async function login(scope = 'openid offline_access read:sample') {
  const res = await t.http
    .post('/oauth/token')
    .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope, ...TRUSTED })
    .expect(200);
  return res.body as { refresh_token: string; access_token: string };
}
const refresh = (body: Record<string, unknown>) => t.http.post('/oauth/token').send({ grant_type: 'refresh_token', ...TRUSTED, ...body });
const INVALID = { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' };

describe('refresh token grant', () => {
  it('returns a new access token and ID token with the original scopes, and no new refresh token', async () => {
    const { refresh_token } = await login();
    const res = await refresh({ refresh_token }).expect(200);
    expect(Object.keys(res.body)).toEqual(['access_token', 'id_token', 'scope', 'expires_in', 'token_type']);
    const scope = 'openid profile email address phone offline_access read:sample';
    expect(res.body.scope).toBe(scope);
    const claims = await verifyWithServedJwks(t.http, res.body.access_token, { issuer: t.emulator.tenants.dev!.issuer });
    expect(claims).toMatchObject({ gty: 'refresh_token', scope, azp: 'trusted-app' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts a narrower scope and refuses a broader one', async () => {
    const { refresh_token } = await login();
    const narrow = await refresh({ refresh_token, scope: 'read:sample' }).expect(200);
    expect(narrow.body.scope).toBe('read:sample');
    expect(narrow.body.id_token).toBeUndefined();
    const broad = await refresh({ refresh_token, scope: 'read:sample write:sample' }).expect(400);
    expect(broad.body).toEqual({ error: 'invalid_scope', error_description: 'The requested scope exceeds the scope granted: write:sample' });
  });

  it('works for a public client with client_id only', async () => {
    const login = await t.http
      .post('/oauth/token')
      .send({ grant_type: 'password', client_id: 'spa', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access' })
      .expect(200);
    await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: login.body.refresh_token }).expect(200);
  });

  it('refuses an unknown token, a token of another client and a missing parameter', async () => {
    expect((await refresh({ refresh_token: 'v1.nope' }).expect(403)).body).toEqual(INVALID);
    const spa = await t.http
      .post('/oauth/token')
      .send({ grant_type: 'password', client_id: 'spa', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access' });
    expect((await refresh({ refresh_token: spa.body.refresh_token }).expect(403)).body).toEqual(INVALID);
    expect((await refresh({}).expect(400)).body).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: refresh_token' });
  });

  it('issues no refresh token without offline_access, or when the API does not allow it', async () => {
    expect((await login('openid read:sample')).refresh_token).toBeUndefined();
    const res = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'password', username: 'ann', password: 'ann-pw', audience: 'https://hs.example/api', scope: 'offline_access' })
      .expect(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.body.scope).toBe('read:hs');
  });

  it('rotates refresh tokens when the client asks for it, and revokes the family on reuse', async () => {
    const first = await m.http
      .post('/acme/oauth/token')
      .auth('basic-app', 'basic-secret')
      .send({ grant_type: 'password', username: 'ann', password: 'ann-pw', scope: 'offline_access' })
      .expect(200);
    const use = (token: string) => m.http.post('/acme/oauth/token').auth('basic-app', 'basic-secret').send({ grant_type: 'refresh_token', refresh_token: token });
    const second = await use(first.body.refresh_token).expect(200);
    expect(second.body.refresh_token).toMatch(/^v1\./);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    const third = await use(second.body.refresh_token).expect(200);
    // Reusing a rotated token is treated as theft: it fails and takes the newest token down with it.
    expect((await use(first.body.refresh_token).expect(403)).body).toEqual(INVALID);
    expect((await use(third.body.refresh_token).expect(403)).body).toEqual(INVALID);
  });

  it('keeps at most 200 active refresh tokens per user and application, revoking the oldest', async () => {
    const first = await login('offline_access');
    const tokens: string[] = [];
    for (let i = 0; i < 200; i++) tokens.push((await login('offline_access')).refresh_token);
    expect((await refresh({ refresh_token: first.refresh_token }).expect(403)).body).toEqual(INVALID);
    await refresh({ refresh_token: tokens[0]! }).expect(200);
    // Another application's tokens for the same user are counted apart.
    const spa = await t.http
      .post('/oauth/token')
      .send({ grant_type: 'password', client_id: 'spa', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access' })
      .expect(200);
    await login('offline_access');
    await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: spa.body.refresh_token }).expect(200);
  });

  it('counts a rotation as no new active token: at 200, exchanging one revokes none of the others', async () => {
    const rotor = { client_id: 'rotor', client_secret: 'rotor-secret' };
    const r = await startEmulator({
      config: {
        tenants: [
          {
            name: 'dev',
            default_directory: 'db',
            apis: [{ identifier: API, scopes: ['read:sample'], allow_offline_access: true }],
            clients: [{ ...rotor, app_type: 'non_interactive', grant_types: ['password', 'refresh_token'], refresh_token: { rotation_type: 'rotating' } }],
            connections: [{ name: 'db', users: [{ email: 'user@example.com', password: 'pwd' }] }],
          },
        ],
      },
    });
    try {
      const tokens: string[] = [];
      for (let i = 0; i < 200; i++) {
        const res = await r.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...rotor });
        tokens.push(res.body.refresh_token as string);
      }
      const use = (refresh_token: string) => r.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token, ...rotor });
      // The newest is exchanged: its successor takes its place among the 200; the oldest stays.
      const successor = (await use(tokens[199]!).expect(200)).body.refresh_token as string;
      await use(tokens[0]!).expect(200);
      await use(successor).expect(200);
    } finally {
      await r.close();
    }
  });

  it('survives a restart when state is persisted: issued, revoked and rotated tokens, in a log rewritten at start', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const file = join(stateDir, 'store.jsonl');
    const config = writeRefreshConfig(dir);
    const send = (e: TestEmulator, body: Record<string, string>) => e.http.post('/oauth/token').send({ audience: CHILD_API, ...body });
    const passwordLogin = (e: TestEmulator, client: typeof STEADY | typeof ROTOR) =>
      send(e, { grant_type: 'password', username: userEmail(0), password: PASSWORD, scope: 'offline_access', ...client }).expect(200);
    const use = (e: TestEmulator, client: typeof STEADY | typeof ROTOR, refresh_token: string) => send(e, { grant_type: 'refresh_token', refresh_token, ...client });

    const a = await startEmulator({ config, stateDir });
    const kept = (await passwordLogin(a, STEADY)).body.refresh_token as string;
    const revoked = (await passwordLogin(a, STEADY)).body.refresh_token as string;
    await a.http.post('/oauth/revoke').send({ token: revoked, ...STEADY }).expect(200);
    const first = (await passwordLogin(a, ROTOR)).body.refresh_token as string;
    const second = (await use(a, ROTOR, first).expect(200)).body.refresh_token as string;
    await a.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Two issued, one revoked; one issued, then exchanged: consumed, and its successor issued.
    expect(readFileSync(file, 'utf8').trim().split('\n').map((line) => Object.keys(JSON.parse(line) as object)[0])).toEqual(['set', 'set', 'delete', 'set', 'consume', 'set']);
    expect(readFileSync(file, 'utf8')).not.toContain(kept.slice(3));

    const b = await startEmulator({ config, stateDir });
    try {
      // Rewritten at start: the live token, the rotated one (kept for reuse detection) and its successor.
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
      const again = await use(b, STEADY, kept).expect(200);
      expect(decode(again.body.access_token).gty).toBe('refresh_token');
      expect((await use(b, STEADY, revoked).expect(403)).body).toEqual(INVALID);
      // The rotation survived: the successor works (and rotates), the exchanged token is a reuse, which
      // revokes the whole family.
      const third = (await use(b, ROTOR, second).expect(200)).body.refresh_token as string;
      expect((await use(b, ROTOR, first).expect(403)).body).toEqual(INVALID);
      expect((await use(b, ROTOR, third).expect(403)).body).toEqual(INVALID);
    } finally {
      await b.close();
    }
  });

  it('starts on a damaged log: lines of the wrong shape are skipped, a last line without its newline is kept', async () => {
    const stateDir = tempDir();
    const file = join(stateDir, 'store.jsonl');
    const a = await startEmulator({ stateDir });
    const token = (
      await a.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...TRUSTED }).expect(200)
    ).body.refresh_token as string;
    await a.close();
    const good = readFileSync(file, 'utf8').trim();
    writeFileSync(file, `null\n{"set":"x"}\n{"delete":5}\n{"set":"RefreshToken","id":"y","value":{},"groups":"g"}\n[1]\n{"set":\n${good}`);
    const b = await startEmulator({ stateDir });
    try {
      await b.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: token, ...TRUSTED }).expect(200);
      await b.emulator.close();
      expect(readFileSync(file, 'utf8')).toBe(`${good}\n`); // rewritten at start
    } finally {
      await b.close();
    }
  });

  it('reads the store of earlier versions (refresh-tokens.json) once, and replaces it', async () => {
    const stateDir = tempDir();
    const a = await startEmulator({ stateDir });
    const token = (
      await a.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...TRUSTED }).expect(200)
    ).body.refresh_token as string;
    await a.close();
    const [line] = readFileSync(join(stateDir, 'store.jsonl'), 'utf8').trim().split('\n');
    const { id: put, value: record } = JSON.parse(line!) as { id: string; value: unknown };
    writeFileSync(join(stateDir, 'refresh-tokens.json'), JSON.stringify({ version: 1, tokens: { [put]: record } }));
    rmSync(join(stateDir, 'store.jsonl'));

    const b = await startEmulator({ stateDir });
    try {
      await b.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: token, ...TRUSTED }).expect(200);
      await b.emulator.close();
      expect(existsSync(join(stateDir, 'refresh-tokens.json'))).toBe(false);
      expect(readFileSync(join(stateDir, 'store.jsonl'), 'utf8')).toContain(put);
    } finally {
      await b.close();
    }
  });
});

describe('the refresh-token log of the previous version (refresh-tokens.jsonl)', () => {
  it('is read once into the store, then removed: live, revoked and rotated tokens are as they were', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    const config = writeRefreshConfig(dir);
    const send = (e: TestEmulator, body: Record<string, string>) => e.http.post('/oauth/token').send({ audience: CHILD_API, ...body });
    const passwordLogin = (e: TestEmulator, client: typeof STEADY | typeof ROTOR) =>
      send(e, { grant_type: 'password', username: userEmail(0), password: PASSWORD, scope: 'offline_access', ...client }).expect(200);
    const use = (e: TestEmulator, client: typeof STEADY | typeof ROTOR, refresh_token: string) => send(e, { grant_type: 'refresh_token', refresh_token, ...client });

    const a = await startEmulator({ config, stateDir });
    const kept = (await passwordLogin(a, STEADY)).body.refresh_token as string;
    const revoked = (await passwordLogin(a, STEADY)).body.refresh_token as string;
    await a.http.post('/oauth/revoke').send({ token: revoked, ...STEADY }).expect(200);
    const first = (await passwordLogin(a, ROTOR)).body.refresh_token as string;
    const second = (await use(a, ROTOR, first).expect(200)).body.refresh_token as string;
    await a.close();

    // The same changes as that version wrote them: {put, record} (a rotated token again, with rotatedAt), {del}.
    const records = new Map<string, Record<string, unknown>>();
    const old = readFileSync(join(stateDir, 'store.jsonl'), 'utf8').trim().split('\n').map((line) => {
      const change = JSON.parse(line) as { set?: string; consume?: string; delete?: string; id: string; value?: Record<string, unknown>; at?: number };
      if (change.set) records.set(change.id, change.value!);
      if (change.consume) return { put: change.id, record: { ...records.get(change.id), rotatedAt: change.at } };
      return change.delete ? { del: change.id } : { put: change.id, record: change.value };
    });
    expect(old.map((change) => Object.keys(change)[0])).toEqual(['put', 'put', 'del', 'put', 'put', 'put']);
    writeFileSync(join(stateDir, 'refresh-tokens.jsonl'), old.map((change) => `${JSON.stringify(change)}\n`).join(''));
    rmSync(join(stateDir, 'store.jsonl'));

    const b = await startEmulator({ config, stateDir });
    try {
      expect(existsSync(join(stateDir, 'refresh-tokens.jsonl'))).toBe(false);
      await use(b, STEADY, kept).expect(200);
      expect((await use(b, STEADY, revoked).expect(403)).body).toEqual(INVALID);
      // The rotation came along: the successor works, the exchanged token is a reuse, which revokes the family.
      const third = (await use(b, ROTOR, second).expect(200)).body.refresh_token as string;
      expect((await use(b, ROTOR, first).expect(403)).body).toEqual(INVALID);
      expect((await use(b, ROTOR, third).expect(403)).body).toEqual(INVALID);
    } finally {
      await b.close();
    }
  });
});

describe('refresh tokens with expiration_type: expiring', () => {
  const LIFETIME = 3600;
  const client = (client_id: string, refresh_token: Record<string, unknown>) => ({
    client_id,
    client_secret: `${client_id}-secret`,
    app_type: 'non_interactive' as const,
    grant_types: ['password' as const, 'refresh_token' as const],
    refresh_token,
  });
  let e: TestEmulator;
  beforeAll(async () => {
    e = await startEmulator({
      config: {
        tenants: [
          {
            name: 'dev',
            default_directory: 'db',
            apis: [{ identifier: API, scopes: ['read:sample'], allow_offline_access: true }],
            clients: [
              client('expiring', { expiration_type: 'expiring', token_lifetime: LIFETIME }),
              client('expiring-rotor', { expiration_type: 'expiring', token_lifetime: LIFETIME, rotation_type: 'rotating' }),
              // token_lifetime only counts with expiration_type: expiring.
              client('lasting', { expiration_type: 'non-expiring', token_lifetime: LIFETIME }),
            ],
            connections: [{ name: 'db', users: [{ email: 'user@example.com', password: 'pwd' }] }],
          },
        ],
      },
    });
  });
  afterAll(() => e.close());

  const as = (client_id: string) => ({ client_id, client_secret: `${client_id}-secret` });
  async function loginAs(client_id: string): Promise<string> {
    const res = await e.http
      .post('/oauth/token')
      .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...as(client_id) })
      .expect(200);
    return res.body.refresh_token as string;
  }
  const use = (client_id: string, refresh_token: string) => e.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token, ...as(client_id) });
  const seconds = (s: number) => e.emulator.clock.advance(s * 1000);

  it('works until token_lifetime has passed since the login, then is refused', async () => {
    e.emulator.clock.freeze();
    const token = await loginAs('expiring');
    seconds(LIFETIME - 1);
    await use('expiring', token).expect(200);
    seconds(1);
    expect((await use('expiring', token).expect(403)).body).toEqual(INVALID);
  });

  it('with rotation, the lifetime is the family’s: a rotated-in token expires when the first one would have', async () => {
    e.emulator.clock.freeze();
    const first = await loginAs('expiring-rotor');
    seconds(LIFETIME / 2);
    const second = (await use('expiring-rotor', first).expect(200)).body.refresh_token as string;
    seconds(LIFETIME / 2 - 1);
    const third = (await use('expiring-rotor', second).expect(200)).body.refresh_token as string;
    seconds(1);
    expect((await use('expiring-rotor', third).expect(403)).body).toEqual(INVALID);
  });

  it('non-expiring tokens ignore token_lifetime', async () => {
    e.emulator.clock.freeze();
    const token = await loginAs('lasting');
    seconds(10 * LIFETIME);
    await use('lasting', token).expect(200);
  });
});
