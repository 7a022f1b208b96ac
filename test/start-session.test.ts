/**
 * Starting a login session without the login page (for browser tests that skip the login UI): the
 * programmatic API (`emulator.startSession`) and the control plane (`POST /__emulator/sessions`) answer the
 * session id and the cookies a browser would hold, in the shape Playwright's `context.addCookies` takes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedSession } from '../src/index.js';
import { startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator();
});
afterAll(() => t?.close());
beforeEach(() => t.emulator.reset());

const SESSION_ID = /^[\w-]{32}$/;
/** Keygrip's signature: SHA-1 HMAC, base64 made URL-safe without padding. */
const SIGNATURE = /^[\w-]{27}$/;

function expectCookies(body: { sessionId: string; cookies: unknown[] }, where: { domain: string; path: string }) {
  expect(body.sessionId).toMatch(SESSION_ID);
  expect(body.cookies).toEqual([
    { name: 'auth0', value: body.sessionId, ...where, httpOnly: true, secure: false, sameSite: 'Lax' },
    { name: 'auth0.sig', value: expect.stringMatching(SIGNATURE), ...where, httpOnly: true, secure: false, sameSite: 'Lax' },
  ]);
}

/**
 * Silent authentication with the cookies as a browser would send them, for an ID token (the web app may use
 * the implicit grant): the claims say whose session it is.
 */
async function silentIdToken(session: StartedSession, host?: string) {
  const req = t.http
    .get('/authorize')
    .query({ client_id: 'web-app', response_type: 'id_token', response_mode: 'fragment', redirect_uri: 'http://localhost:3000/callback', scope: 'openid profile', nonce: 'n-1', state: 's', prompt: 'none' })
    .set('Cookie', session.cookies.map((c) => `${c.name}=${c.value}`).join('; '));
  const res = await (host ? req.set('Host', host) : req);
  expect(res.status).toBe(302);
  const fragment = new URLSearchParams(new URL(res.headers.location!).hash.slice(1));
  expect(fragment.get('error_description')).toBeNull();
  return verifyWithServedJwks(t.http, fragment.get('id_token')!, { issuer: host ? `http://${host}/` : `${t.url}/`, audience: 'web-app' });
}

describe('the session started', () => {
  it('is the one a login on the page makes: /authorize answers without a login, with its sid, the user and the time', async () => {
    const at = Date.parse('2030-01-02T03:04:05Z');
    t.emulator.clock.freeze(at);
    const session = await t.emulator.startSession({ user: 'user@example.com', connection: 'employees' });
    t.emulator.clock.advance(60_000);
    const employee = t.emulator.listUsers().find((u) => u.identities[0]!.connection === 'employees' && u.email === 'user@example.com')!;
    expect(await silentIdToken(session)).toMatchObject({ sub: employee.user_id, sid: session.sessionId, auth_time: at / 1000, nonce: 'n-1', name: 'Example Employee' });
  });

  it('works with the control plane’s cookies, for the host it was called at', async () => {
    const host = `localhost:${new URL(t.url).port}`;
    const res = await t.http.post('/__emulator/sessions').set('Host', host).send({ user: 'user@example.com' }).expect(201);
    expect(await silentIdToken(res.body as StartedSession, host)).toMatchObject({ sid: res.body.sessionId, name: 'Example User' });
  });

  it('ends when its user is deleted, as a login’s does', async () => {
    const session = await t.emulator.startSession({ user: 'boss@corp.example' });
    await t.emulator.removeUser(t.emulator.getUser('boss@corp.example')!.user_id);
    const res = await t.http
      .get('/authorize')
      .query({ client_id: 'spa', response_type: 'code', redirect_uri: 'http://localhost:3000', state: 's', prompt: 'none' })
      .set('Cookie', session.cookies.map((c) => `${c.name}=${c.value}`).join('; '))
      .expect(302);
    expect(res.headers.location).toBe('http://localhost:3000?error=login_required&error_description=Login%20required&state=s');
  });
});

describe('emulator.startSession', () => {
  it('answers the session id and the cookies for the tenant’s issuer (host and path)', async () => {
    const session = await t.emulator.startSession({ user: 'user@example.com' });
    expectCookies(session, { domain: '127.0.0.1', path: '/' });
    const other = await t.emulator.startSession({ user: 'user@example.com' });
    expect(other.sessionId).not.toBe(session.sessionId);
    expect(other.cookies[1]!.value).not.toBe(session.cookies[1]!.value);
  });

  it('takes the issuer the browser uses: path form, host form, https', async () => {
    const port = new URL(t.url).port;
    expectCookies(await t.emulator.startSession({ user: 'user@example.com', issuer: `http://localhost:${port}/dev/` }), { domain: 'localhost', path: '/dev/' });
    expectCookies(await t.emulator.startSession({ user: 'user@example.com', issuer: `http://dev.localhost:${port}` }), { domain: 'dev.localhost', path: '/' });
    const https = await t.emulator.startSession({ user: 'user@example.com', issuer: 'https://auth.example.test/' });
    expect(https.cookies.map((c) => [c.domain, c.secure, c.sameSite])).toEqual([
      ['auth.example.test', true, 'None'],
      ['auth.example.test', true, 'None'],
    ]);
  });

  it('finds the user by user_id, email or username, in a named connection', async () => {
    const employee = t.emulator.listUsers().find((u) => u.identities[0]!.connection === 'employees' && u.email === 'user@example.com')!;
    expectCookies(await t.emulator.startSession({ user: employee.user_id }), { domain: '127.0.0.1', path: '/' });
    expectCookies(await t.emulator.startSession({ user: 'user@example.com', connection: 'employees' }), { domain: '127.0.0.1', path: '/' });
  });

  it('refuses, with a SessionError, what the login page would refuse or cannot be', async () => {
    t.emulator.blockUser('user@example.com');
    const refusals: [Parameters<typeof t.emulator.startSession>[0], string][] = [
      [{ user: 'nobody@example.com' }, 'No user "nobody@example.com" in tenant "dev".'],
      [{ user: 'boss@corp.example', connection: 'Username-Password-Authentication' }, 'No user "boss@corp.example" in tenant "dev" (connection Username-Password-Authentication).'],
      [{ user: 'user@example.com' }, 'The user "user@example.com" is blocked: the login page would refuse them.'],
      [{ user: '' }, 'Missing required parameter: user'],
      [{ user: 'boss@corp.example', tenant: 'nope' }, 'No tenant named "nope".'],
      [{ user: 'boss@corp.example', issuer: 'localhost:4400' }, 'issuer must be an http(s) URL, such as http://localhost:4400/ (got "localhost:4400").'],
      [{ user: 'boss@corp.example', issuer: 'http://[::1/' }, 'issuer must be an http(s) URL, such as http://localhost:4400/ (got "http://[::1/").'],
    ];
    for (const [options, message] of refusals) {
      await expect(t.emulator.startSession(options), message).rejects.toMatchObject({ name: 'SessionError', status: 400, code: 'invalid_request', message });
    }
  });
});

describe('POST /__emulator/sessions', () => {
  it('answers 201 with the session id and the cookies, not to be cached', async () => {
    const res = await t.http.post('/__emulator/sessions').send({ user: 'user@example.com' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body)).toEqual(['sessionId', 'cookies']);
    expectCookies(res.body, { domain: '127.0.0.1', path: '/' });
  });

  it('makes the cookies for the host the control plane was called at, unless told the issuer', async () => {
    const port = new URL(t.url).port;
    const byName = await t.http.post('/__emulator/sessions').set('Host', `localhost:${port}`).send({ user: 'user@example.com' }).expect(201);
    expectCookies(byName.body, { domain: 'localhost', path: '/' });
    const told = await t.http.post('/__emulator/sessions').set('Host', `localhost:${port}`).send({ user: 'user@example.com', issuer: `http://dev.localhost:${port}/` }).expect(201);
    expectCookies(told.body, { domain: 'dev.localhost', path: '/' });
  });

  it('takes tenant (body or ?tenant=), connection and issuer', async () => {
    const port = new URL(t.url).port;
    const res = await t.http.post('/__emulator/sessions?tenant=dev').send({ user: 'user@example.com', connection: 'employees', issuer: `http://localhost:${port}/dev/` }).expect(201);
    expectCookies(res.body, { domain: 'localhost', path: '/dev/' });
    await t.http.post('/__emulator/sessions').send({ user: 'user@example.com', tenant: 'dev' }).expect(201);
  });

  it('answers 400 invalid_request for a missing or unknown user, a blocked one, bad types and an unknown tenant', async () => {
    await t.http.post('/__emulator/users/' + encodeURIComponent(t.emulator.getUser('boss@corp.example')!.user_id) + '/block').expect(200);
    const cases: [unknown, string][] = [
      [{}, 'Missing required parameter: user'],
      [{ user: 42 }, 'Missing required parameter: user'],
      [{ user: 'user@example.com', connection: 7 }, 'connection must be a string'],
      [[], 'The body must be a JSON object'],
      [{ user: 'nobody@example.com' }, 'No user "nobody@example.com" in tenant "dev".'],
      [{ user: 'boss@corp.example' }, 'The user "boss@corp.example" is blocked: the login page would refuse them.'],
      [{ user: 'user@example.com', tenant: 'nope' }, 'No tenant named "nope".'],
      [{ user: 'user@example.com', issuer: 'not a url' }, 'issuer must be an http(s) URL, such as http://localhost:4400/ (got "not a url").'],
    ];
    for (const [body, description] of cases) {
      const res = await t.http.post('/__emulator/sessions').send(body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: description });
    }
  });

  it('answers browsers never (an Origin header), as the rest of the control plane', async () => {
    const res = await t.http.post('/__emulator/sessions').set('Origin', 'http://localhost:3000').send({ user: 'user@example.com' }).expect(403);
    expect(res.body.error).toBe('access_denied');
  });
});
