// Sessions and codes are state in the store: a hot reload keeps them, and so does a restart on the same state
// folder (the session cookie's signing keys are kept there too).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { form, startEmulator, tempDir, verifyWithServedJwks, writeTemp, type TestEmulator } from '../helpers.js';
import { Browser, callbackParams, config, WEB_CALLBACK } from './setup.js';

let t: TestEmulator | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const silent = new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, scope: 'openid', state: 'silent', prompt: 'none' });

it('a session and a code outlive a hot reload and a restart on the state folder', async () => {
  const dir = tempDir();
  const file = writeTemp(dir, 'auth.config.yaml', JSON.stringify(config()));
  const stateDir = join(dir, 'state');
  t = await startEmulator({ config: file, stateDir });
  const first = new Browser(t);
  const login = await first.login({ client_id: 'web-app', response_type: 'code', redirect_uri: WEB_CALLBACK, scope: 'openid', state: 's' });
  const { code } = callbackParams(login.headers.location as string);
  const sessionId = first.cookies.get('auth0');
  expect(sessionId).toBeDefined();

  // A reload of a changed config: the session still signs the browser in without a page.
  writeFileSync(file, JSON.stringify(config({ friendly_name: 'Renamed' })));
  expect((await t.emulator.reload()).ok).toBe(true);
  const afterReload = await first.get(`/authorize?${silent}`);
  expect(callbackParams(afterReload.headers.location as string)).toEqual({ code: expect.any(String), state: 'silent' });

  // A restart on the same folder: the code issued before it is redeemed after it, and the cookie still holds.
  await t.close();
  t = await startEmulator({ config: file, stateDir });
  const exchanged = await t.http
    .post('/oauth/token')
    .type('form')
    .send(form({ grant_type: 'authorization_code', client_id: 'web-app', client_secret: 'web-app-secret', code: code!, redirect_uri: WEB_CALLBACK }));
  expect(exchanged.status, exchanged.text).toBe(200);
  const idToken = await verifyWithServedJwks(t.http, exchanged.body.id_token, { issuer: `${t.url}/`, audience: 'web-app' });
  expect(idToken.sid).toBe(sessionId);

  const again = new Browser(t);
  again.cookies = new Map(first.cookies);
  const afterRestart = await again.get(`/authorize?${silent}`);
  expect(callbackParams(afterRestart.headers.location as string)).toEqual({ code: expect.any(String), state: 'silent' });

  // Without the state folder's keys, the same cookie is nobody's session.
  await t.close();
  t = await startEmulator({ config: file, stateDir: false });
  const stranger = new Browser(t);
  stranger.cookies = new Map(first.cookies);
  const noSession = await stranger.get(`/authorize?${silent}`);
  expect(callbackParams(noSession.headers.location as string)).toEqual({ error: 'login_required', error_description: 'Login required', state: 'silent' });
});
