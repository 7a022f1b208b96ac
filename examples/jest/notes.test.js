/**
 * The notes API against an emulator started for this file: real logins (password grant), minted tokens,
 * a blocked user, an expired token, and the journal of what the app asked the emulator.
 */
import { fileURLToPath } from 'node:url';
import { createEmulator } from 'auth-emulator';
import { createApp } from './app.js';

const API = 'https://notes.example.test';
const config = fileURLToPath(new URL('auth.config.yaml', import.meta.url)); // beside this file

let emulator;
let app;
let appUrl;

beforeAll(async () => {
  emulator = await createEmulator({ config, port: 0, stateDir: false });
  app = createApp({ issuer: emulator.tenants.dev.issuer, audience: API, now: () => emulator.clock.now() });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${app.address().port}`;
});
afterAll(async () => {
  app?.close();
  await emulator?.close();
});
// Runtime users, blocks, the clock and the journal go back to auth.config.yaml after every test.
afterEach(() => emulator.reset());

/** A real login: the password grant, as a CLI or a test client would do it. */
async function login(username, password, scope = 'read:notes write:notes') {
  const res = await fetch(emulator.tenants.dev.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username, password, audience: API, scope, client_id: 'notes-cli', client_secret: 'notes-cli-secret' }),
  });
  return { status: res.status, body: await res.json() };
}

const notes = (token, init = {}) =>
  fetch(`${appUrl}/notes`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });

describe('notes API', () => {
  it('serves a user who logged in with the password grant', async () => {
    const { status, body } = await login('alice@example.com', 'alice-password');
    expect(status).toBe(200);

    expect((await notes(body.access_token, { method: 'POST', body: JSON.stringify({ text: 'buy milk' }) })).status).toBe(201);
    expect(await (await notes(body.access_token)).json()).toEqual({ notes: ['buy milk'] });

    // One login and no other token request: the app checks tokens locally, against the cached JWKS.
    const alice = emulator.getUser('alice@example.com');
    expect(emulator.journal.filter((e) => e.path === '/oauth/token')).toMatchObject([
      { method: 'POST', status: 200, grant: 'password', client: 'notes-cli', user: alice.user_id },
    ]);
  });

  it('takes minted tokens: no login round trip', async () => {
    const reader = await emulator.accessToken({ client: 'notes-cli', user: 'bob@example.com', audience: API, scope: 'read:notes' });
    expect((await notes(reader)).status).toBe(200);
    const refused = await notes(reader, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope');

    // Without a user: a machine-to-machine (client credentials) token, scopes from the client grant.
    const m2m = await emulator.accessToken({ client: 'notes-cli', audience: API });
    expect((await notes(m2m)).status).toBe(200);
    expect(emulator.journal.filter((e) => e.path === '/oauth/token')).toEqual([]);
  });

  it('refuses a blocked user', async () => {
    const { body: before } = await login('bob@example.com', 'bob-password');
    emulator.blockUser(emulator.getUser('bob@example.com').user_id);

    const { status, body } = await login('bob@example.com', 'bob-password');
    expect(status).toBe(401);
    expect(body).toEqual({ error: 'unauthorized', error_description: 'user is blocked' });
    expect(emulator.journal.at(-1)).toMatchObject({ path: '/oauth/token', status: 401, error: 'unauthorized' });
    // A token issued before the block is a signed JWT: it stays valid until it expires, as with Auth0.
    expect((await notes(before.access_token)).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    const { body } = await login('alice@example.com', 'alice-password');
    expect((await notes(body.access_token)).status).toBe(200);

    emulator.clock.advance(60 * 60 * 1000 + 1000); // the API's token_lifetime is 3600 s
    const res = await notes(body.access_token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The token has expired' });

    // Or mint one that has already expired.
    const expired = await emulator.accessToken({ client: 'notes-cli', user: 'alice@example.com', audience: API, expiresIn: 0 });
    expect((await notes(expired)).status).toBe(401);
  });

  it('puts everything back on reset()', async () => {
    emulator.addUser({ email: 'carol@example.com', password: 'carol-password' });
    emulator.blockUser(emulator.getUser('alice@example.com').user_id);
    emulator.clock.advance(24 * 60 * 60 * 1000);

    await emulator.reset();
    expect(emulator.getUser('carol@example.com')).toBeUndefined();
    expect((await login('carol@example.com', 'carol-password')).status).toBe(403);
    expect((await login('alice@example.com', 'alice-password')).status).toBe(200);
    expect(Math.abs(emulator.clock.now() - Date.now())).toBeLessThan(1000);
  });
});
