/**
 * The control plane at /__emulator/…, over HTTP only (as a test suite in another language would drive it):
 * reset, users, clock, journal and token minting; errors as `{error, error_description}` with 400/404/405.
 * Tokens are verified with jose against the JWKS the emulator serves.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API, TRUSTED, decode, startEmulator, type TestEmulator } from './helpers.js';

const UPA = 'Username-Password-Authentication';
let t: TestEmulator;
let issuer: string;

beforeAll(async () => {
  t = await startEmulator();
  issuer = `${t.url}/`;
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.http.post('/__emulator/reset').expect(204);
});

const login = (username = 'user@example.com', password = 'pwd', extra: Record<string, string> = {}) =>
  t.http.post('/oauth/token').send({ grant_type: 'password', username, password, audience: API, ...TRUSTED, ...extra });

type User = { user_id: string; email: string; name: string; blocked?: boolean; app_metadata: Record<string, unknown>; user_metadata: Record<string, unknown>; identities: { connection: string }[] };

async function users(query = ''): Promise<User[]> {
  return (await t.http.get(`/__emulator/users${query}`).expect(200)).body as User[];
}

async function verify(token: string, options: JWTVerifyOptions = {}): Promise<JWTPayload> {
  const jwks = createLocalJWKSet((await t.http.get('/.well-known/jwks.json').expect(200)).body);
  const { payload } = await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer, ...options });
  return payload;
}

const clock = async () => (await t.http.get('/__emulator/clock').expect(200)).body as { now: string; frozen: boolean };
/** The clock, with the real time read just before and just after asking: a clock at real time falls between. */
const clockAround = async () => {
  const before = Date.now();
  const body = await clock();
  return { ...body, ms: Date.parse(body.now), before, after: Date.now() };
};
const setClock = (body: Record<string, unknown>) => t.http.post('/__emulator/clock').send(body);

describe('POST /__emulator/reset', () => {
  it('answers 204 and goes back to the loaded config: users, blocks, clock and journal', async () => {
    await t.http.post('/__emulator/users').send({ email: 'temp@example.com', password: 'pw' }).expect(201);
    const original = (await users()).find((u) => u.email === 'user@example.com' && u.identities[0]!.connection === UPA)!;
    await t.http.post(`/__emulator/users/${encodeURIComponent(original.user_id)}/block`).expect(200);
    await setClock({ freeze: '2021-06-01T00:00:00.000Z' }).expect(200);
    await login('temp@example.com', 'pw').expect(200);

    const res = await t.http.post('/__emulator/reset');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect((await users()).map((u) => u.email)).not.toContain('temp@example.com');
    expect((await login('temp@example.com', 'pw')).status).toBe(403);
    // Not blocked any more; the journal holds only the two logins since the reset.
    await login().expect(200);
    expect(((await t.http.get('/__emulator/journal').expect(200)).body as { status: number }[]).map((e) => e.status)).toEqual([403, 200]);
    const now = await clockAround();
    expect(now.frozen).toBe(false);
    expect(now.ms).toBeGreaterThanOrEqual(now.before);
    expect(now.ms).toBeLessThanOrEqual(now.after);
  });

  it('takes only POST', async () => {
    const res = await t.http.get('/__emulator/reset');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toMatch(/POST/);
    expect(res.body).toEqual({ error: 'method_not_allowed', error_description: expect.any(String) });
  });
});

describe('/__emulator/users', () => {
  it('GET lists the users of the tenant in Auth0\'s shape (with or without ?tenant=)', async () => {
    const all = await users();
    expect(all.map((u) => u.email).sort()).toEqual(['boss@corp.example', 'user@example.com', 'user@example.com']);
    expect(all.find((u) => u.identities[0]!.connection === UPA)).toMatchObject({
      user_id: expect.stringMatching(/^auth0\|/),
      email: 'user@example.com',
      name: 'Example User',
      user_metadata: { some_user_metadata: 'value' },
      app_metadata: { some_app_metadata: 'another value' },
      identities: [{ connection: UPA, provider: 'auth0', isSocial: false }],
    });
    for (const u of all) expect(u).not.toHaveProperty('password');
    expect(await users('?tenant=dev')).toEqual(all);
  });

  it('answers 404 inexistent_tenant for an unknown tenant when a connection is named, and on PATCH/DELETE', async () => {
    const post = await t.http.post('/__emulator/users?tenant=nope').send({ connection: UPA, email: 'x@example.com', password: 'x' });
    expect(post.status).toBe(404);
    expect(post.body).toEqual({ error: 'inexistent_tenant', error_description: 'No tenant named "nope".' });
    expect((await t.http.patch('/__emulator/users/x?tenant=nope').send({})).body).toMatchObject({ error: 'inexistent_tenant' });
    expect((await t.http.delete('/__emulator/users/x?tenant=nope')).status).toBe(404);
  });

  it('POST without connection and GET for an unknown tenant answer 404 inexistent_tenant', async () => {
    const post = await t.http.post('/__emulator/users?tenant=nope').send({ email: 'x@example.com', password: 'x' });
    expect(post.status).toBe(404);
    expect(post.body).toEqual({ error: 'inexistent_tenant', error_description: 'No tenant named "nope".' });
    const get = await t.http.get('/__emulator/users?tenant=nope');
    expect(get.status).toBe(404);
    expect(get.body).toEqual({ error: 'inexistent_tenant', error_description: 'No tenant named "nope".' });
  });

  it('POST adds a user (201) to the default directory or a named connection; the user can log in', async () => {
    const res = await t.http.post('/__emulator/users').send({ email: 'New@Example.com', password: 'pw', name: 'New One', app_metadata: { plan: 'gold' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ user_id: expect.stringMatching(/^auth0\|/), email: 'new@example.com', name: 'New One', app_metadata: { plan: 'gold' }, identities: [{ connection: UPA }] });
    const ok = await login('new@example.com', 'pw', { scope: 'openid' });
    expect(ok.status).toBe(200);
    expect(decode(ok.body.id_token as string).sub).toBe(res.body.user_id);

    const employee = await t.http.post('/__emulator/users').send({ connection: 'employees', email: 'staff@corp.example', password: 'pw', user_id: 'auth0|staff-1' });
    expect(employee.status).toBe(201);
    expect(employee.body).toMatchObject({ user_id: 'auth0|staff-1', identities: [{ connection: 'employees' }] });
    expect((await users()).map((u) => u.user_id)).toContain('auth0|staff-1');
  });

  it('POST refuses duplicates (409), invalid fields and unknown connections (400)', async () => {
    const dup = await t.http.post('/__emulator/users').send({ email: 'user@example.com', password: 'x' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: 'auth0_idp_error', error_description: 'The user already exists.' });

    const noPassword = await t.http.post('/__emulator/users').send({ email: 'x@example.com' });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body).toEqual({ error: 'invalid_body', error_description: expect.stringContaining('password') });

    const badConnection = await t.http.post('/__emulator/users').send({ connection: 'nope', email: 'x@example.com', password: 'x' });
    expect(badConnection.status).toBe(400);
    expect(badConnection.body).toMatchObject({ error: 'invalid_body' });

    for (const body of ['[1]', '"text"', 'null']) {
      const res = await t.http.post('/__emulator/users').set('Content-Type', 'application/json').send(body);
      expect(res.status, body).toBe(400);
      expect(res.body, body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    }
    const malformed = await t.http.post('/__emulator/users').set('Content-Type', 'application/json').send('{oops');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'invalid_request', error_description: 'Malformed JSON body' });
  });

  it('PATCH updates a user (metadata merged, null deletes a key); 404 for an unknown user', async () => {
    const added = (await t.http.post('/__emulator/users').send({ email: 'p@example.com', password: 'pw', user_metadata: { a: 1, b: 2 } }).expect(201)).body as User;
    const res = await t.http.patch(`/__emulator/users/${encodeURIComponent(added.user_id)}`).send({ name: 'Patched', user_metadata: { a: null, c: 3 }, password: 'new-pw' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ user_id: added.user_id, name: 'Patched', user_metadata: { b: 2, c: 3 } });
    expect((await login('p@example.com', 'new-pw')).status).toBe(200);
    expect((await login('p@example.com', 'pw')).status).toBe(403);

    const missing = await t.http.patch('/__emulator/users/auth0%7Cnope').send({ name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'inexistent_user', error_description: 'The user does not exist.' });
  });

  it('block makes the password grant answer 401 user is blocked; unblock lets the user in again', async () => {
    const id = (await users()).find((u) => u.identities[0]!.connection === UPA)!.user_id;
    const blocked = await t.http.post(`/__emulator/users/${encodeURIComponent(id)}/block`);
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ user_id: id, blocked: true });
    const refused = await login();
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: 'unauthorized', error_description: 'user is blocked' }); // emulator's status (NOTE(emulator) in src/grants/password-login.ts)

    const unblocked = await t.http.post(`/__emulator/users/${encodeURIComponent(id)}/unblock`);
    expect(unblocked.status).toBe(200);
    expect(unblocked.body).not.toHaveProperty('blocked');
    await login().expect(200);

    expect((await t.http.post('/__emulator/users/auth0%7Cnope/block')).status).toBe(404);
    expect((await t.http.post('/__emulator/users/auth0%7Cnope/unblock')).status).toBe(404);
  });

  it('DELETE removes a user (204; login fails, refresh tokens stop); 404 for an unknown user', async () => {
    const before = await login('user@example.com', 'pwd', { scope: 'openid offline_access' }).expect(200);
    const id = (await users()).find((u) => u.identities[0]!.connection === UPA)!.user_id;
    const res = await t.http.delete(`/__emulator/users/${encodeURIComponent(id)}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await users()).map((u) => u.user_id)).not.toContain(id);
    expect((await login()).status).toBe(403);
    const refreshed = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: before.body.refresh_token as string, ...TRUSTED });
    expect(refreshed.status).toBe(403);
    expect(refreshed.body).toEqual({ error: 'invalid_grant', error_description: "The refresh_token was generated for a user who doesn't exist anymore." });

    const again = await t.http.delete(`/__emulator/users/${encodeURIComponent(id)}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: 'not_found', error_description: expect.stringContaining(id) });
  });
});

describe('/__emulator/clock', () => {
  it('GET shows the running time; freeze (ISO) stops it and tokens\' iat follow; advance and set move it; unfreeze lets it run', async () => {
    const start = await clockAround();
    expect(start.frozen).toBe(false);
    expect(start.ms).toBeGreaterThanOrEqual(start.before);
    expect(start.ms).toBeLessThanOrEqual(start.after);

    const at = '2030-01-02T03:04:05.000Z';
    const frozen = await setClock({ freeze: at });
    expect(frozen.status).toBe(200);
    expect(frozen.body).toEqual({ now: at, frozen: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(await clock()).toEqual({ now: at, frozen: true });
    const atSeconds = Date.parse(at) / 1000;
    let token = (await login().expect(200)).body.access_token as string;
    expect(decode(token)).toMatchObject({ iat: atSeconds, exp: atSeconds + 86_400 });

    expect((await setClock({ advance: 60_000 }).expect(200)).body).toEqual({ now: '2030-01-02T03:05:05.000Z', frozen: true });
    token = (await login().expect(200)).body.access_token as string;
    expect(decode(token).iat).toBe(atSeconds + 60);

    const set = '2020-05-05T05:05:05.000Z';
    expect((await setClock({ set }).expect(200)).body).toEqual({ now: set, frozen: true });
    token = (await login().expect(200)).body.access_token as string;
    const payload = await verify(token, { currentDate: new Date(set), audience: API });
    expect(payload.iat).toBe(Date.parse(set) / 1000);
    // In real time that token expired long ago.
    await expect(verify(token, { audience: API })).rejects.toBeInstanceOf(errors.JWTExpired);

    // Epoch milliseconds work too.
    expect((await setClock({ set: Date.parse(at) }).expect(200)).body.now).toBe(at);

    // Running again, it moves on from `at` by the real time that passed (read on either side).
    const unfreezing = Date.now();
    const running = await setClock({ unfreeze: true });
    const unfrozen = Date.now();
    expect(running.body.frozen).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    const later = await clockAround();
    expect(later.frozen).toBe(false);
    expect(later.ms).toBeGreaterThan(Date.parse(at));
    expect(later.ms - Date.parse(at)).toBeGreaterThanOrEqual(later.before - unfrozen);
    expect(later.ms - Date.parse(at)).toBeLessThanOrEqual(later.after - unfreezing);
    token = (await login().expect(200)).body.access_token as string;
    expect(decode(token).iat as number).toBeGreaterThanOrEqual(atSeconds);
    expect((decode(token).iat as number) * 1000).toBeLessThanOrEqual(Date.parse(at) + (Date.now() - unfreezing));

    // reset: back to real time.
    expect((await setClock({ reset: true }).expect(200)).body.frozen).toBe(false);
    const reset = await clockAround();
    expect(reset.ms).toBeGreaterThanOrEqual(reset.before);
    expect(reset.ms).toBeLessThanOrEqual(reset.after);
  });

  it('freeze: true stops at the current time; advance moves a running clock too', async () => {
    const freezing = Date.now();
    const frozen = (await setClock({ freeze: true }).expect(200)).body as { now: string; frozen: boolean };
    const frozenAt = Date.parse(frozen.now);
    expect(frozen.frozen).toBe(true);
    expect(frozenAt).toBeGreaterThanOrEqual(freezing);
    expect(frozenAt).toBeLessThanOrEqual(Date.now());
    await setClock({ unfreeze: true }).expect(200);
    // From there it runs on (behind real time by the time it stood still), an hour ahead.
    const advanced = (await setClock({ advance: 3_600_000 }).expect(200)).body as { now: string; frozen: boolean };
    expect(advanced.frozen).toBe(false);
    expect(Date.parse(advanced.now)).toBeGreaterThanOrEqual(frozenAt + 3_600_000);
    expect(Date.parse(advanced.now)).toBeLessThanOrEqual(Date.now() + 3_600_000);
    const token = (await login().expect(200)).body.access_token as string;
    expect(decode(token).iat as number).toBeGreaterThanOrEqual(Math.floor((frozenAt + 3_600_000) / 1000));
    expect(decode(token).iat as number).toBeLessThanOrEqual(Math.floor((Date.now() + 3_600_000) / 1000));
  });

  it('refuses bad times with 400 invalid_request', async () => {
    for (const body of [{ freeze: 'not a date' }, { set: 'yesterday-ish' }, { set: {} }, { advance: '60s' }, { advance: null }]) {
      const res = await setClock(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    }
    expect((await clock()).frozen).toBe(false);
  });

  // Issue 10, finding 7: {"set": 8.64e15} (the largest Date) was accepted, then every clock request answered 500.
  // The range and its wording are the emulator's own (Auth0 has no clock).
  it('refuses times tokens cannot carry (400, nothing changed), and no clock request answers 500', async () => {
    const range = 'The clock must stay between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z';
    const refused: [Record<string, unknown>, string][] = [
      [{ set: 8.64e15 }, `${range} (got +275760-09-13T00:00:00.000Z)`],
      [{ freeze: 8.64e15 }, `${range} (got +275760-09-13T00:00:00.000Z)`],
      [{ set: '+010000-01-01T00:00:00.000Z' }, `${range} (got +010000-01-01T00:00:00.000Z)`],
      [{ set: -1 }, `${range} (got 1969-12-31T23:59:59.999Z)`],
      [{ set: -8.64e15 }, `${range} (got -271821-04-20T00:00:00.000Z)`],
      [{ set: Number.MAX_VALUE }, `${range} (got ${Number.MAX_VALUE})`],
      [{ advance: 1e20 }, expect.stringMatching(/^The clock must stay between .* \(got 1\d{20}\)$/) as unknown as string],
      [{ advance: -1e15 }, expect.stringMatching(/^The clock must stay between .* \(got -\d{6}-/) as unknown as string],
      // The whole request is checked before any of it applies.
      [{ freeze: '2030-01-01T00:00:00.000Z', advance: 8.64e15 }, expect.stringMatching(/^The clock must stay between /) as unknown as string],
    ];
    for (const [body, description] of refused) {
      const res = await setClock(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toEqual({ error: 'invalid_request', error_description: description });
      const after = await clock();
      expect(after.frozen, JSON.stringify(body)).toBe(false);
      expect(Math.abs(Date.parse(after.now) - Date.now()), JSON.stringify(body)).toBeLessThan(60_000);
    }

    // The ends of the range are accepted, the clock keeps answering, and tokens stamped there verify.
    for (const at of ['9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z']) {
      expect((await setClock({ freeze: at }).expect(200)).body).toEqual({ now: at, frozen: true });
      const token = (await login().expect(200)).body.access_token as string;
      const seconds = Math.floor(Date.parse(at) / 1000);
      expect(await verify(token, { audience: API, currentDate: new Date(at) })).toMatchObject({ iat: seconds, exp: seconds + 86_400 });
    }
    // A running clock at the end keeps answering as it ticks past it.
    await setClock({ unfreeze: true, set: '9999-12-31T23:59:59.999Z' }).expect(200);
    await new Promise((r) => setTimeout(r, 20));
    expect((await clock()).now).toMatch(/^\+010000-01-01T00:00:00\.\d{3}Z$/);
    await login().expect(200);
    await setClock({ reset: true }).expect(200);

    // No clock request answers 500, whatever the values.
    const values = [8.64e15, 8.64e15 + 1, -8.64e15, 253_402_300_800_000, 1e21, -1e21, Number.MAX_VALUE, -Number.MAX_VALUE, 0, -0.5, 1.5, '', ' ', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', true, false, null, [], {}];
    for (const key of ['set', 'freeze', 'advance']) {
      for (const value of values) {
        const res = await setClock({ [key]: value });
        expect([200, 400], `${key}: ${JSON.stringify(value)}`).toContain(res.status);
        expect((await t.http.get('/__emulator/clock')).status, `GET after ${key}: ${JSON.stringify(value)}`).toBe(200);
        await setClock({ reset: true }).expect(200);
      }
    }
  });

  it('takes GET and POST only: 405 with Allow', async () => {
    const res = await t.http.put('/__emulator/clock').send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow?.split(/,\s*/).sort()).toEqual(expect.arrayContaining(['GET', 'POST']));
    expect(res.body).toEqual({ error: 'method_not_allowed', error_description: expect.any(String) });
  });
});

describe('/__emulator/journal', () => {
  it('lists the app\'s requests (not the control plane\'s), oldest first; DELETE empties it', async () => {
    await setClock({ freeze: '2031-01-01T00:00:00.000Z' }).expect(200);
    await login().expect(200);
    await login('user@example.com', 'wrong').expect(403);
    await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...TRUSTED }).expect(200);
    await t.http.get('/.well-known/openid-configuration').expect(200);
    await t.http.get('/__emulator/users').expect(200);

    const res = await t.http.get('/__emulator/journal').expect(200);
    const entries = res.body as Record<string, unknown>[];
    expect(entries).toEqual([
      { time: '2031-01-01T00:00:00.000Z', method: 'POST', path: '/oauth/token', status: 200, tenant: 'dev', grant: 'password', client: 'trusted-app', user: expect.stringMatching(/^auth0\|/) },
      { time: '2031-01-01T00:00:00.000Z', method: 'POST', path: '/oauth/token', status: 403, tenant: 'dev', grant: 'password', client: 'trusted-app', error: 'invalid_grant' },
      { time: '2031-01-01T00:00:00.000Z', method: 'POST', path: '/oauth/token', status: 200, tenant: 'dev', grant: 'client_credentials', client: 'trusted-app' },
      { time: '2031-01-01T00:00:00.000Z', method: 'GET', path: '/.well-known/openid-configuration', status: 200, tenant: 'dev' },
    ]);
    expect(entries.some((e) => String(e.path).startsWith('/__emulator'))).toBe(false);

    const cleared = await t.http.delete('/__emulator/journal');
    expect(cleared.status).toBe(204);
    expect((await t.http.get('/__emulator/journal').expect(200)).body).toEqual([]);
  });

  it('takes GET and DELETE only', async () => {
    const res = await t.http.post('/__emulator/journal').send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow?.split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'DELETE']));
  });
});

describe('GET /__emulator/logs', () => {
  it('answers 404 inexistent_tenant, naming the tenants, for an unknown ?tenant=', async () => {
    const res = await t.http.get('/__emulator/logs?tenant=nosuch');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'inexistent_tenant', error_description: 'No tenant named "nosuch". This emulator serves: dev.' });
  });

  it('answers 400 (not a hang-up) when unparseable bytes follow the request, as node does for any path', async () => {
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    // A GET body without Content-Length is not part of the request: `{` starts the next one, which does not parse.
    socket.write('GET /__emulator/logs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\r\n{"a":1}');
    await once(socket, 'close');
    expect(received).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('answers HEAD with the stream\'s headers, and ends', async () => {
    const res = await fetch(`${t.url}/__emulator/logs`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await res.text()).toBe('');
  });
});

describe('POST /__emulator/tokens', () => {
  const mint = (body: unknown) => t.http.post('/__emulator/tokens').send(body as object);

  it('mints a user\'s tokens (client, user, audience, scope, expiresIn) that verify against the served JWKS', async () => {
    const res = await mint({ client: 'trusted-app', user: 'user@example.com', audience: API, scope: 'openid profile read:sample offline_access', expiresIn: 120 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['cache-control']).toMatch(/no-store/);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 120, access_token: expect.any(String), id_token: expect.any(String), refresh_token: expect.any(String) });

    const user = (await users()).find((u) => u.identities[0]!.connection === UPA)!;
    const access = await verify(res.body.access_token as string, { audience: API });
    expect(access).toMatchObject({ iss: issuer, sub: user.user_id, azp: 'trusted-app' });
    expect(access.aud).toEqual([API, `${issuer}userinfo`]);
    expect((access.scope as string).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'read:sample']));
    expect(access.exp! - access.iat!).toBe(120);

    const id = await verify(res.body.id_token as string, { audience: 'trusted-app' });
    expect(id).toMatchObject({ iss: issuer, sub: user.user_id, aud: 'trusted-app', name: 'Example User' });

    // The minted refresh token is a real one.
    const refreshed = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: res.body.refresh_token as string, ...TRUSTED });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
  });

  it('mints a client-credentials token without a user', async () => {
    const res = await mint({ client: 'trusted-app', audience: API }).expect(200);
    const payload = await verify(res.body.access_token as string, { audience: API });
    expect(payload).toMatchObject({ iss: issuer, sub: 'trusted-app@clients', aud: API, azp: 'trusted-app', gty: 'client-credentials', scope: 'read:sample' });
    expect(res.body).not.toHaveProperty('id_token');
  });

  it('follows the frozen clock, and mints expired (expiresIn <= 0) and not-yet-valid (notBefore) tokens', async () => {
    await setClock({ freeze: '2032-02-02T00:00:00.000Z' }).expect(200);
    const frozen = await mint({ client: 'trusted-app', user: 'user@example.com', audience: API }).expect(200);
    expect(decode(frozen.body.access_token as string).iat).toBe(Date.parse('2032-02-02T00:00:00.000Z') / 1000);
    await setClock({ reset: true }).expect(200);

    const minting = Math.floor(Date.now() / 1000);
    const expired = await mint({ client: 'trusted-app', user: 'user@example.com', audience: API, expiresIn: -5 }).expect(200);
    const minted = Math.floor(Date.now() / 1000);
    await expect(verify(expired.body.access_token as string, { audience: API })).rejects.toBeInstanceOf(errors.JWTExpired);
    const exp = decode(expired.body.access_token as string).exp as number;
    expect(exp).toBeGreaterThanOrEqual(minting - 5);
    expect(exp).toBeLessThanOrEqual(minted - 5);

    const later = await mint({ client: 'trusted-app', audience: API, notBefore: 600 }).expect(200);
    await expect(verify(later.body.access_token as string, { audience: API })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    const payload = decode(later.body.access_token as string);
    expect((payload.nbf as number) - (payload.iat as number)).toBe(600);
  });

  it('answers 400 invalid_request for a missing or unknown client, an unknown user or audience', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^Missing required parameter: client$/],
      [{ client: 'nope' }, /^No client "nope" in tenant "dev"\.$/],
      [{ client: 'trusted-app', user: 'ghost@example.com' }, /ghost@example\.com/],
      [{ client: 'trusted-app', audience: 'https://nope.example' }, /Service not found: https:\/\/nope\.example/],
    ];
    for (const [body, description] of cases) {
      const res = await mint(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body, JSON.stringify(body)).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(description) });
    }
    // Times a token cannot carry (issue 10, finding 7's sibling), the clock's range: 3e11 s from now is past
    // year 9999 (a six-digit year), though a Date still. The wording is the emulator's own.
    for (const [name, value] of [['expiresIn', 1e300], ['expiresIn', 3e11], ['expiresIn', -1e13], ['notBefore', 1e13], ['notBefore', 3e11], ['notBefore', -1e13]] as const) {
      const res = await mint({ client: 'trusted-app', audience: API, [name]: value });
      expect(res.status, `${name} ${value}`).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: `${name} makes a token time outside the dates a token can carry (1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z).` });
    }
    const notObject = await t.http.post('/__emulator/tokens').set('Content-Type', 'application/json').send('[]');
    expect(notObject.status).toBe(400);
    expect(notObject.body).toMatchObject({ error: 'invalid_request' });
  });

  it('takes POST only', async () => {
    const res = await t.http.get('/__emulator/tokens');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toMatch(/POST/);
  });
});

describe('errors', () => {
  it('answers unknown control-plane paths with 404 {error, error_description}', async () => {
    for (const path of ['/__emulator', '/__emulator/', '/__emulator/nope', '/__emulator/users/x/y/z']) {
      const res = await t.http.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ error: 'not_found', error_description: expect.any(String) });
    }
  });

  it('does not put the control plane under a tenant prefix', async () => {
    const res = await t.http.post('/dev/__emulator/reset');
    expect(res.status).toBe(404);
  });
});

describe('the control plane is not reachable from a web page', () => {
  it('grants no CORS preflight, and refuses any request with an Origin header', async () => {
    const preflight = await t.http
      .options('/__emulator/tokens')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const res = await t.http.post('/__emulator/tokens').set('Origin', 'https://evil.example').send({ client: 'trusted-app', user: 'user@example.com' }).expect(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'The /__emulator endpoints do not answer browsers (the request has an Origin header)' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a non-loopback Host name (DNS rebinding)', async () => {
    const res = await t.http.post('/__emulator/reset').set('Host', `rebind.evil.example:${new URL(t.url).port}`).expect(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'The /__emulator endpoints answer only loopback host names' });
    await t.http.get('/__emulator/clock').set('Host', `dev.localhost:${new URL(t.url).port}`).expect(200);
  });

  it('still answers the token endpoint cross-origin, without credentials', async () => {
    const res = await t.http.options('/oauth/token').set('Origin', 'http://localhost:3000').set('Access-Control-Request-Method', 'POST').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
