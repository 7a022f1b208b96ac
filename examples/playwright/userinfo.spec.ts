/**
 * Playwright's `request` fixture (no browser) against the emulator that global-setup.ts started: logins
 * and /userinfo over HTTP, and the control plane (/__emulator/…) to block users, move the clock and read
 * the journal, since the emulator object lives in another process.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';

const issuer = process.env.AUTH0_ISSUER!; // set by global-setup.ts
const control = `${process.env.AUTH_EMULATOR_URL}/__emulator`;
const API = 'https://notes.example.test';

// The whole run shares one emulator: put it back as the config has it after each test.
test.afterEach(async ({ request }) => {
  await request.post(`${control}/reset`);
});

function login(request: APIRequestContext, username: string, password: string) {
  return request.post(`${issuer}oauth/token`, {
    data: { grant_type: 'password', username, password, audience: API, scope: 'openid profile email read:notes', client_id: 'notes-cli', client_secret: 'notes-cli-secret' },
  });
}

test('a logged-in user gets their profile from /userinfo', async ({ request }) => {
  const res = await login(request, 'alice@example.com', 'alice-password');
  expect(res.status()).toBe(200);
  const { access_token } = await res.json();

  const userinfo = await request.get(`${issuer}userinfo`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(userinfo.status()).toBe(200);
  expect(await userinfo.json()).toMatchObject({ email: 'alice@example.com', nickname: 'alice' });
});

test('a minted token works at /userinfo too', async ({ request }) => {
  const minted = await request.post(`${control}/tokens`, { data: { client: 'notes-cli', user: 'bob@example.com', audience: API, scope: 'openid email' } });
  const { access_token } = await minted.json();
  const userinfo = await request.get(`${issuer}userinfo`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(await userinfo.json()).toMatchObject({ email: 'bob@example.com' });
});

test('a blocked user cannot log in', async ({ request }) => {
  const users: { user_id: string; email: string }[] = await (await request.get(`${control}/users`)).json();
  const bob = users.find((u) => u.email === 'bob@example.com')!;
  await request.post(`${control}/users/${encodeURIComponent(bob.user_id)}/block`);

  const res = await login(request, 'bob@example.com', 'bob-password');
  expect(res.status()).toBe(401);
  expect(await res.json()).toEqual({ error: 'unauthorized', error_description: 'user is blocked' });
  const journal = await (await request.get(`${control}/journal`)).json();
  expect(journal.at(-1)).toMatchObject({ path: '/oauth/token', status: 401, error: 'unauthorized' });
});

test('/userinfo refuses an expired token', async ({ request }) => {
  const { access_token } = await (await login(request, 'alice@example.com', 'alice-password')).json();
  await request.post(`${control}/clock`, { data: { advance: 3_601_000 } }); // token_lifetime is 3600 s

  const userinfo = await request.get(`${issuer}userinfo`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(userinfo.status()).toBe(401);
  expect(userinfo.headers()['www-authenticate']).toContain('The token has expired');
});
