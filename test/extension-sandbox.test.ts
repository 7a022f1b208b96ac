/**
 * How user code runs (src/extensions/pool.ts, sandbox-worker.js): in worker processes with a per-tenant time
 * limit, so a rule stuck in a loop, a callback never called or an exception thrown later never stops the
 * emulator from answering. Also: what the code can see (no `process` global, `require` from its own folder),
 * and what reaches the extension log. The rule files under test/fixtures/sandbox are written as Auth0 users
 * write them. What code does to its own worker process: extension-isolation.test.ts; runs that hang next to
 * healthy ones: extension-scheduling.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type AuthEmulatorConfig, type ExtensionLogEntry, type RequestLogEntry } from '../src/index.js';
import { API, decode, fixture, startEmulator, tempDir, type TestEmulator } from './helpers.js';

type TenantInput = AuthEmulatorConfig['tenants'][number];

const SANDBOX = 'test/fixtures/sandbox';
const CLIENT = { client_id: 'app', client_secret: 'app-secret' } as const;
const TIMEOUT = { error: 'access_denied', error_description: 'Request to Webtask exceeded allowed execution time' };

/**
 * A tenant with one API, one client and one user, running `rules`. The time limit counts from the request's
 * arrival (a worker's boot included): the bad rules get a short one, the others the default.
 */
function tenant(name: string, rules: string[], timeoutMs = 5_000): TenantInput {
  return {
    name,
    default_directory: 'Username-Password-Authentication',
    apis: [{ identifier: API, scopes: ['read:sample', 'write:sample'] }],
    clients: [{ ...CLIENT, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password', 'client_credentials'] }],
    client_grants: [{ client_id: 'app', audience: API, scope: ['read:sample'] }],
    connections: [
      { name: 'Username-Password-Authentication', users: [{ email: 'user@example.com', password: 'pwd', app_metadata: { plan: 'gold' } }] },
    ],
    rules: rules.map((r) => `${SANDBOX}/${r}`),
    extension_timeout_ms: timeoutMs,
  };
}

/** The bad rules' limit: long enough for the side requests of whileRunning to be answered first on a busy machine. */
const BAD_TIMEOUT = 2_000;
const config: AuthEmulatorConfig = {
  tenants: [
    tenant('plain', []),
    tenant('loop', ['spin-forever.js'], BAD_TIMEOUT),
    tenant('good', ['runtime-check.js']),
    tenant('forgetful', ['never-calls-back.js'], BAD_TIMEOUT),
    tenant('twice', ['calls-back-twice.js']),
    tenant('late-throw', ['throws-later.js']),
    tenant('chatty', ['chatty.js', 'narrow-scope.js']),
    tenant('slow', ['slow-lookup.js'], 1_000),
  ],
};

let t: TestEmulator;
const logs: ExtensionLogEntry[] = [];
const requests: RequestLogEntry[] = [];
beforeAll(async () => {
  t = await startEmulator({ config, extensionLog: (e) => logs.push(e), log: (e) => requests.push(e) });
});
afterAll(() => t.close());

const password = (name: string) =>
  t.http.post(`/${name}/oauth/token`).send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...CLIENT });

/** Resolves once an extension log entry matches (the bad code is then surely running). */
async function waitForLog(match: (e: ExtensionLogEntry) => boolean, ms = 3_000): Promise<ExtensionLogEntry> {
  const until = Date.now() + ms;
  for (;;) {
    const found = logs.find(match);
    if (found) return found;
    if (Date.now() > until) throw new Error('no such extension log entry');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Starts a token request for `name`, waits until its rule is running, then proves the emulator still answers
 * other requests (JWKS, discovery, client credentials on another tenant, a rule on another tenant) before
 * the bad request ends. Returns the bad request's response and how long it took.
 */
async function whileRunning(name: string, started: (e: ExtensionLogEntry) => boolean) {
  const begin = performance.now();
  let badEnded = 0;
  const bad = password(name).then((res) => {
    badEnded = performance.now();
    return res;
  });
  await waitForLog(started);

  const [jwks, discovery, m2m, other] = await Promise.all([
    t.http.get(`/${name}/.well-known/jwks.json`),
    t.http.get('/plain/.well-known/openid-configuration'),
    t.http.post('/plain/oauth/token').send({ grant_type: 'client_credentials', ...CLIENT, audience: API }),
    password('good'),
  ]);
  expect(jwks.status).toBe(200);
  expect(jwks.body.keys).toHaveLength(1);
  expect(discovery.status).toBe(200);
  expect(discovery.body.issuer).toBe(`${t.url}/plain/`);
  expect(m2m.status).toBe(200);
  expect(decode(m2m.body.access_token)).toMatchObject({ sub: 'app@clients', scope: 'read:sample' });
  expect(other.status).toBe(200);
  // All four answered while the bad rule was still running.
  expect(badEnded).toBe(0);

  const res = await bad;
  return { res, ms: badEnded - begin };
}

describe('extension sandbox: bad code cannot stop the emulator', () => {
  it('times out a synchronous infinite loop, serving other requests meanwhile, then replaces the worker', async () => {
    const { res, ms } = await whileRunning('loop', (e) => e.tenant === 'loop' && e.text === 'checking user@example.com against the allow list');
    expect(res.status).toBe(403);
    expect(res.body).toEqual(TIMEOUT);
    expect(ms).toBeGreaterThanOrEqual(BAD_TIMEOUT - 10);
    expect(requests.filter((r) => r.path === '/loop/oauth/token').at(-1)).toMatchObject({
      status: 403,
      error: 'access_denied',
      detail: `Extension code did not finish within ${BAD_TIMEOUT} ms`,
    });

    // The looping worker was terminated: rules keep running, the same bad one included.
    const next = await password('good').expect(200);
    expect(decode(next.body.access_token)['https://example.com/runtime']).toEqual({ process: 'undefined', require: 'function', configuration: 'object' });
    const again = await password('loop').expect(403);
    expect(again.body).toEqual(TIMEOUT);
    await password('good').expect(200);
  });

  it('times out a rule that never calls back, with the same error, serving other requests meanwhile', async () => {
    const { res, ms } = await whileRunning('forgetful', (e) => e.tenant === 'forgetful' && e.text === 'fetching roles for user@example.com');
    expect(res.status).toBe(403);
    expect(res.body).toEqual(TIMEOUT);
    expect(ms).toBeGreaterThanOrEqual(BAD_TIMEOUT - 10);
    await password('good').expect(200);
  });

  it('uses the first result of a double callback and warns about the second, serving other requests meanwhile', async () => {
    const [res, jwks, other] = await Promise.all([password('twice').expect(200), t.http.get('/plain/.well-known/jwks.json'), password('good')]);
    expect(jwks.status).toBe(200);
    expect(other.status).toBe(200);
    expect(decode(res.body.access_token)['https://example.com/group']).toBe('staff');
    const request = requests.filter((r) => r.path === '/twice/oauth/token').at(-1)!;
    expect(logs.filter((e) => e.requestId === request.id && e.level === 'warn')).toEqual([
      {
        time: expect.any(String),
        tenant: 'twice',
        requestId: request.id,
        file: `${SANDBOX}/calls-back-twice.js`,
        level: 'warn',
        text: 'callback was called more than once; the extra call was ignored',
      },
    ]);
  });

  it('fails the login with the message of an exception thrown later in a timer, serving other requests meanwhile', async () => {
    const { res } = await whileRunning('late-throw', (e) => e.tenant === 'late-throw' && e.text === 'calling the groups API');
    expect(res.status).toBe(403);
    // The exception fails the run at once, with its own message, not at the time limit.
    expect(res.body).toEqual({ error: 'access_denied', error_description: "Cannot read properties of undefined (reading 'groups')" });
    await password('good').expect(200);
  });
});

describe('extension sandbox: what user code sees', () => {
  it('has no `process` global (vm is no boundary, see extension-isolation.test.ts), but has `require` and `configuration`', async () => {
    const res = await password('good').expect(200);
    expect(decode(res.body.access_token)['https://example.com/runtime']).toEqual({ process: 'undefined', require: 'function', configuration: 'object' });
  });

  it("resolves `require` from the rule file's own folder", async () => {
    // node_modules/ is git-ignored, so the package (and the rule beside it) is generated in a temp dir.
    const dir = tempDir();
    mkdirSync(join(dir, 'rules', 'node_modules', 'plan-labels'), { recursive: true });
    writeFileSync(join(dir, 'rules', 'node_modules', 'plan-labels', 'index.js'), "exports.label = (plan) => `${plan} plan`.toUpperCase();\n");
    writeFileSync(join(dir, 'rules', 'plan-label.js'), readFileSync(fixture('sandbox/uses-local-package.js')));
    // YAML is a superset of JSON; the rule path is relative to the config file's folder.
    writeFileSync(join(dir, 'auth.config.yaml'), JSON.stringify({ tenants: [{ ...tenant('local', []), rules: ['rules/plan-label.js'] }] }));

    const local = await startEmulator({ config: join(dir, 'auth.config.yaml'), stateDir: false });
    try {
      const res = await local.http
        .post('/oauth/token')
        .send({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...CLIENT })
        .expect(200);
      expect(decode(res.body.access_token)['https://example.com/plan-label']).toBe('GOLD PLAN');
    } finally {
      await local.close();
    }
  });
});

describe('extension sandbox: logs', () => {
  it('passes console.log/info/warn/error to extensionLog in order, tagged, then explains the changes', async () => {
    const res = await password('chatty').expect(200);
    expect(res.body.scope).toBe('read:sample');
    expect(decode(res.body.access_token)).toMatchObject({ scope: 'read:sample', 'https://example.com/plan': 'gold' });

    const request = requests.filter((r) => r.path === '/chatty/oauth/token').at(-1)!;
    expect(request.id).toMatch(/^[0-9a-f]{8}$/);
    const tag = { time: expect.any(String), tenant: 'chatty', requestId: request.id };
    const file = `${SANDBOX}/chatty.js`;
    expect(logs.filter((e) => e.requestId === request.id)).toEqual([
      { ...tag, file, level: 'log', text: 'login by user@example.com' },
      { ...tag, file, level: 'info', text: 'client app' },
      { ...tag, file, level: 'warn', text: "plan is { plan: 'gold' }" },
      { ...tag, file, level: 'error', text: 'no roles for user@example.com' },
      {
        ...tag,
        file: '-',
        level: 'explain',
        text: `user@example.com via app: ${file}: access_token https://example.com/plan="gold"; ${SANDBOX}/narrow-scope.js: scope -write:sample`,
      },
    ]);
  });
});

describe('extension sandbox: pool', () => {
  it('runs concurrent slow-but-valid rules side by side: 16 lookups of 150 ms each, with a 1 s limit, all succeed', async () => {
    const all = await Promise.all(Array.from({ length: 16 }, () => password('slow')));
    for (const res of all) {
      expect(res.status).toBe(200);
      expect(decode(res.body.access_token)['https://example.com/looked-up']).toBe('user@example.com');
    }
  });
});

describe('work a run leaves behind', () => {
  const tenant = (name: string, rule: string) => ({
    name,
    default_directory: 'db',
    clients: [{ client_id: 'app', client_secret: 's', grant_types: ['password' as const] }],
    connections: [{ name: 'db', users: [{ email: 'u@example.com', password: 'pwd' }] }],
    rules: [`test/fixtures/sandbox/${rule}`],
    extension_timeout_ms: 2000,
  });
  const login = (url: string, name: string) =>
    fetch(`${url}/${name}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'u@example.com', password: 'pwd', client_id: 'app', client_secret: 's' }),
    });

  it('a line printed after a run ended is tagged with that run, not the one now running', async () => {
    const entries: ExtensionLogEntry[] = [];
    const e = await createEmulator({ config: { tenants: [tenant('a', 'late-log.js'), tenant('b', 'slow.js')] }, stateDir: false, port: 0, extensionLog: (x) => entries.push(x) });
    try {
      expect((await login(e.url!, 'a')).status).toBe(200);
      expect((await login(e.url!, 'b')).status).toBe(200);
      const late = entries.find((x) => x.text === 'late line from tenant a');
      expect(late).toMatchObject({ tenant: 'a', file: 'test/fixtures/sandbox/late-log.js' });
    } finally {
      await e.close();
    }
  });

  it('an exception thrown after a run ended never fails another request', async () => {
    const entries: ExtensionLogEntry[] = [];
    const e = await createEmulator({ config: { tenants: [tenant('a', 'late-throw.js'), tenant('b', 'slow.js')] }, stateDir: false, port: 0, extensionLog: (x) => entries.push(x) });
    try {
      expect((await login(e.url!, 'a')).status).toBe(200);
      expect((await login(e.url!, 'b')).status).toBe(200);
      expect(entries.find((x) => x.level === 'error')).toMatchObject({ tenant: 'a', text: 'uncaught after the run ended: late failure in tenant a' });
    } finally {
      await e.close();
    }
  });
});
