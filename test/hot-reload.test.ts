/**
 * Hot reload as editors really save: rename-over, truncate + write, a partial write then the complete one.
 * Each test waits for the reload event itself (onReload, which fires once the new config serves), then
 * checks the new behaviour over HTTP: no polling, and no sleeping except to save a file twice (below).
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadEvent } from '../src/emulator.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, startEmulator, tempDir, type TestEmulator } from './helpers.js';

const EXAMPLE = readFileSync(EXAMPLE_CONFIG, 'utf8');
const WITH_NEW_USER = EXAMPLE.replace('            password: s3cret\n', '            password: s3cret\n          - email: new@corp.example\n            password: fresh\n');
let running: TestEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.map((t) => t.close()));
  running = [];
});

async function setup(text = EXAMPLE, files: Record<string, string> = {}) {
  const dir = tempDir();
  const file = join(dir, 'auth.config.yaml');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(file, text);
  const events: ReloadEvent[] = [];
  const listeners = new Set<() => void>();
  const t = await startEmulator({
    config: file,
    watch: true,
    onReload: (e) => {
      events.push(e);
      for (const listener of listeners) listener();
    },
  });
  running.push(t);

  /**
   * The first reload event from now on that `match` accepts: call it before the save it waits for. Rejects
   * with what was heard instead if none comes (a save the watcher missed), rather than hanging the test.
   */
  const reloaded = (match: (e: ReloadEvent) => boolean): Promise<ReloadEvent> => {
    const from = events.length;
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = events.slice(from).find(match);
        if (!found) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        const heard = events.slice(from).map((e) => (e.ok ? e.summary : e.error.message));
        reject(new Error(`no matching reload event within 10 s; heard ${JSON.stringify(heard)}`));
      }, 10_000);
      listeners.add(check);
    });
  };
  return { t, dir, file, reloaded };
}

type Reloaded = Awaited<ReturnType<typeof setup>>['reloaded'];
const ok = (e: ReloadEvent) => e.ok;
const refused = (e: ReloadEvent) => !e.ok;


const newUserLogin = (t: TestEmulator) =>
  t.http.post('/oauth/token').send({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', username: 'new@corp.example', password: 'fresh', audience: API, ...TRUSTED });

describe('hot reload', () => {
  it.each([
    [
      'rename-over (atomic save)',
      (file: string, text: string) => {
        writeFileSync(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
      },
    ],
    [
      'truncate + write',
      (file: string, text: string) => {
        truncateSync(file, 0);
        appendFileSync(file, text);
      },
    ],
    [
      'a partial write, then the complete one',
      async (file: string, text: string, reloaded: Reloaded) => {
        // Half of the file is not valid YAML: that save is refused, then the complete one is taken.
        const partial = reloaded(refused);
        writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
        await partial;
        writeFileSync(file, text);
      },
    ],
  ])('%s: picks up the change, keeps refresh tokens and signing keys', async (_name, save) => {
    const { t, file, reloaded } = await setup();
    const before = await t.http
      .post('/oauth/token')
      .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'offline_access', ...TRUSTED })
      .expect(200);
    expect((await newUserLogin(t)).status).toBe(403);

    const applied = reloaded(ok);
    await save(file, WITH_NEW_USER, reloaded);
    expect(await applied).toEqual({ ok: true, summary: 'dev: +1 user', ms: expect.any(Number) });
    expect((await newUserLogin(t)).status).toBe(200);

    // Runtime state survived: the refresh token from before the edit still works, and old tokens verify.
    const refreshed = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: before.body.refresh_token, ...TRUSTED }).expect(200);
    expect(decode(refreshed.body.access_token).sub).toBe(decode(before.body.access_token).sub);
    const jwks = await t.http.get('/.well-known/jwks.json');
    expect(jwks.body.keys[0].kid).toBe(JSON.parse(Buffer.from(before.body.access_token.split('.')[0], 'base64url').toString()).kid);
  });

  it('keeps the last good config on a broken edit, reports line:column, and recovers on the next good save', async () => {
    const { t, file, reloaded } = await setup();
    const broken = WITH_NEW_USER.replace('          - password\n', '          - pasword\n');
    const line = broken.split('\n').indexOf('          - pasword') + 1;
    const refusal = reloaded(refused);
    writeFileSync(file, broken);
    const failure = await refusal;
    expect(failure.ok).toBe(false);
    expect(!failure.ok && failure.error.message).toMatch(
      new RegExp(`^Invalid config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(1 problem\\):\\n  .*auth\\.config\\.yaml:${line}:13  tenants\\[0\\]\\.clients\\[0\\]\\.grant_types\\[0\\]: expected one of .*did you mean "password"\\?\\n.*\\n    > ${line} \\|           - pasword\\n`),
    );
    // The old config still serves: the password grant works, the new user does not exist.
    await t.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED }).expect(200);
    expect((await newUserLogin(t)).status).toBe(403);

    const recovered = reloaded(ok);
    writeFileSync(file, WITH_NEW_USER);
    expect(await recovered).toEqual({ ok: true, summary: 'dev: +1 user', ms: expect.any(Number) });
    expect((await newUserLogin(t)).status).toBe(200);
  });

  it('keeps serving when the config file is deleted, and recovers when it is back', async () => {
    const { t, file, reloaded } = await setup();
    const gone = reloaded(refused);
    rmSync(file);
    expect(await gone).toEqual({ ok: false, missing: true, error: new Error(`${file} was deleted; the last good config keeps serving until it is back.`) });
    await t.http.get('/.well-known/openid-configuration').expect(200);
    const back = reloaded(ok);
    writeFileSync(file, WITH_NEW_USER);
    expect(await back).toEqual({ ok: true, summary: 'dev: +1 user', ms: expect.any(Number) });
    expect((await newUserLogin(t)).status).toBe(200);
  });

  // Issue 10, friction: the reload error for this was a bare `EISDIR`.
  it('a config that became a directory is one line naming it, and the last good config keeps serving', async () => {
    const dir = tempDir();
    const file = join(dir, 'auth.config.yaml');
    writeFileSync(file, EXAMPLE);
    const t = await startEmulator({ config: file });
    running.push(t);
    rmSync(file);
    mkdirSync(file);
    const event = await t.emulator.reload();
    expect(event.ok).toBe(false);
    expect((event as { error: Error }).error.message).toBe(`Invalid config ${file}: it is a directory, not a file`);
    await t.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED }).expect(200);
  });

  it('removing a user ends their refresh tokens with Auth0’s invalid_grant', async () => {
    const { t, file, reloaded } = await setup(WITH_NEW_USER);
    const login = await newUserLogin(t).send({ scope: 'offline_access' }).expect(200);
    const applied = reloaded(ok);
    writeFileSync(file, EXAMPLE);
    expect(await applied).toEqual({ ok: true, summary: 'dev: -1 user', ms: expect.any(Number) });
    expect((await newUserLogin(t)).status).toBe(403);
    const res = await t.http.post('/oauth/token').send({ grant_type: 'refresh_token', refresh_token: login.body.refresh_token, ...TRUSTED }).expect(403);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: "The refresh_token was generated for a user who doesn't exist anymore." });
  });

  it('reloads when a rule file changes, and refuses a rule that does not compile', async () => {
    const rule = (v: string) => `function (user, context, callback) {\n  context.accessToken['https://example.com/v'] = '${v}';\n  callback(null, user, context);\n}\n`;
    const config = EXAMPLE.replace('    default_directory: Username-Password-Authentication\n', '    default_directory: Username-Password-Authentication\n    rules: ./rules.js\n');
    const { t, reloaded, dir: cfgDir } = await setup(config, { 'rules.js': rule('one') });
    const claim = async () =>
      decode((await t.http.post('/oauth/token').send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...TRUSTED }).expect(200)).body.access_token)['https://example.com/v'];
    expect(await claim()).toBe('one');
    const changed = reloaded(ok);
    writeFileSync(join(cfgDir, 'rules.js'), rule('two'));
    expect(await changed).toEqual({ ok: true, summary: 'dev: ~extension code', ms: expect.any(Number) });
    expect(await claim()).toBe('two');

    const refusal = reloaded(refused);
    writeFileSync(join(cfgDir, 'rules.js'), 'function (user, context, callback) {\n  context.accessToken[ = 1;\n}\n');
    const failed = await refusal;
    expect(!failed.ok && failed.error.message).toMatch(/rules\.js:2:\d+  tenants\[0\]\.rules\[0\]: SyntaxError: Unexpected token/);
    expect(await claim()).toBe('two');
  });
});

describe('hot reload of included files', () => {
  it('reloads when an included users file changes', async () => {
    const users = (extra: string) => `- email: a@example.com\n  password: pa\n${extra}`;
    const config = EXAMPLE.replace(
      '      - name: employees\n',
      '      - name: contractors\n        users: ./users.yaml\n      - name: employees\n',
    );
    const { t, dir, reloaded } = await setup(config, { 'users.yaml': users('') });
    const login = () =>
      t.http.post('/oauth/token').send({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'contractors', username: 'c@example.com', password: 'pc', ...TRUSTED });
    expect((await login()).status).toBe(403);
    const changed = reloaded(ok);
    writeFileSync(join(dir, 'users.yaml'), users('- email: c@example.com\n  password: pc\n'));
    expect(await changed).toEqual({ ok: true, summary: 'dev: +1 user', ms: expect.any(Number) });
    expect((await login()).status).toBe(200);
  });
});
