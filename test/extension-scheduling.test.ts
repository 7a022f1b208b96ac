/**
 * Issue 10, finding 4: runs of extension code that hang never delay the others. A run's time limit counts from
 * the request's arrival; a worker runs many runs at once (a rule waiting on a callback it never calls is idle);
 * a worker stuck in a synchronous loop gets no new runs and is replaced; and the number of runs in progress or
 * waiting is bounded. Assertions are about order and outcomes, never durations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig, ExtensionLogEntry, RequestLogEntry } from '../src/index.js';
import { API, decode, startEmulator, type TestEmulator } from './helpers.js';

type TenantInput = AuthEmulatorConfig['tenants'][number];
const SANDBOX = 'test/fixtures/sandbox';
const CLIENT = { client_id: 'app', client_secret: 'app-secret' } as const;
const TIMEOUT = { error: 'access_denied', error_description: 'Request to Webtask exceeded allowed execution time' };

function tenant(name: string, rule: string, extra: Partial<TenantInput> = {}): TenantInput {
  return {
    name,
    default_directory: 'db',
    apis: [{ identifier: API, scopes: ['read:sample'] }],
    clients: [{ ...CLIENT, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password'] }],
    connections: [{ name: 'db', users: [{ email: 'user@example.com', password: 'pwd' }] }],
    rules: [`${SANDBOX}/${rule}`],
    extension_timeout_ms: 2_000,
    ...extra,
  };
}

let t: TestEmulator;
const logs: ExtensionLogEntry[] = [];
const requests: RequestLogEntry[] = [];
beforeAll(async () => {
  t = await startEmulator({
    config: {
      tenants: [
        tenant('healthy', 'passes.js'),
        tenant('hung', 'never-calls-back.js'),
        tenant('slow', 'waits.js', { rules_configuration: { WAIT_MS: '3000' }, extension_timeout_ms: 10_000 }),
        tenant('loop', 'spin-forever.js', { extension_timeout_ms: 3_000 }),
        // Long enough that none of the 1,000 times out before the 1,001st arrives, even on a busy machine.
        tenant('crowd', 'never-calls-back.js', { extension_timeout_ms: 20_000 }),
      ],
    },
    extensionLog: (e) => logs.push(e),
    log: (e) => requests.push(e),
  });
});
afterAll(() => t.close());

const password = (name: string) =>
  fetch(`${t.url}/${name}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...CLIENT }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, string> }));

/** Resolves once `count` extension log entries (logged from now on) match. */
async function logged(match: (e: ExtensionLogEntry) => boolean, count: number, from: number, waitMs = 10_000): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    const seen = logs.slice(from).filter(match).length;
    if (seen >= count) return;
    if (Date.now() > until) throw new Error(`${seen} of ${count} expected extension log entries:\n${logs.slice(from).map((e) => JSON.stringify(e)).join("\n")}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Records the order in which requests settle. */
function tracker() {
  const order: string[] = [];
  const track = <T>(label: string, request: Promise<T>) => request.then((res) => (order.push(label), res));
  return { order, track };
}

describe('extension runs that hang', () => {
  it('20 logins whose rule never calls back do not delay a healthy login, and fail at their own time limit', async () => {
    const { order, track } = tracker();
    const from = logs.length;
    const hung = Array.from({ length: 20 }, () => track('hung', password('hung')));
    // Every one of them is running (none waits in a queue behind the others).
    await logged((e) => e.tenant === 'hung' && e.text === 'fetching roles for user@example.com', 20, from);
    // A healthy rule that takes 3 s, started after them (its own limit is 10 s).
    const slow = track('slow', password('slow'));
    const healthy = await Promise.all([1, 2, 3].map(() => track('healthy', password('healthy'))));
    for (const res of healthy) {
      expect(res.status).toBe(200);
      expect(decode(res.body.access_token!)['https://example.com/passed']).toBe(true);
    }
    expect(order).toEqual(['healthy', 'healthy', 'healthy']);

    for (const res of await Promise.all(hung)) expect(res).toEqual({ status: 403, body: TIMEOUT });
    const slowRes = await slow;
    expect(slowRes.status).toBe(200);
    expect(decode(slowRes.body.access_token!)['https://example.com/waited']).toBe(3000);
    // The hung runs failed 2 s after they arrived: before the 3 s rule that started after them.
    expect(order).toEqual([...Array(3).fill('healthy'), ...Array(20).fill('hung'), 'slow']);
    const hungLines = requests.filter((r) => r.path === '/hung/oauth/token');
    expect(hungLines).toHaveLength(20);
    for (const line of hungLines) expect(line).toMatchObject({ status: 403, error: 'access_denied', detail: 'Extension code did not finish within 2000 ms' });
  });

  it('two logins stuck in a synchronous loop do not stall healthy logins; their workers are replaced', async () => {
    const { order, track } = tracker();
    const from = logs.length;
    // Each loops in a worker of its own (the second goes elsewhere once the first worker is seen to be stuck).
    const loops: Promise<{ status: number; body: Record<string, string> }>[] = [];
    for (const n of [1, 2]) {
      loops.push(track('loop', password('loop')));
      await logged((e) => e.tenant === 'loop' && e.text === 'checking user@example.com against the allow list', n, from);
      await logged((e) => e.tenant === 'loop' && e.level === 'warn' && e.text.startsWith('an extension worker has not answered'), n, from);
    }

    const together = await Promise.all([1, 2, 3, 4, 5].map(() => track('healthy', password('healthy'))));
    for (const res of together) expect(res.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await track('healthy', password('healthy'))).status).toBe(200);
    expect(order).toEqual(Array(8).fill('healthy'));

    for (const res of await Promise.all(loops)) expect(res).toEqual({ status: 403, body: TIMEOUT });
    expect(order.slice(8)).toEqual(['loop', 'loop']);
    await logged((e) => e.tenant === 'loop' && e.text === 'the stuck extension worker was stopped and replaced', 2, from);
    expect((await password('healthy')).status).toBe(200);
  });
});

describe('a worker that gets stuck with runs it has not started', () => {
  it('hands them to another worker: healthy logins sent beside a loop that starts first all succeed', async () => {
    // The worker has just answered (it counts as responsive for a moment), so the loop and the healthy runs
    // that arrive with it may all be sent to it; the loop starts first and the others wait behind it.
    for (let round = 0; round < 3; round++) {
      expect((await password('healthy')).status).toBe(200);
      const loop = password('loop');
      const healthy = await Promise.all([1, 2, 3, 4].map(() => password('healthy')));
      for (const res of healthy) expect(res.status).toBe(200);
      expect(await loop).toEqual({ status: 403, body: TIMEOUT });
    }
  }, 30_000);
});

describe('the bound on runs in progress or waiting', () => {
  it('past 1,000 runs of one tenant, its next login fails at once with resource_exhausted; other tenants are unaffected', async () => {
    const from = logs.length;
    const crowd = Array.from({ length: 1_000 }, () => password('crowd'));
    await logged((e) => e.tenant === 'crowd' && e.text === 'fetching roles for user@example.com', 1_000, from, 18_000);
    expect(await password('crowd')).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'resource_exhausted' } });
    expect(requests.filter((r) => r.path === '/crowd/oauth/token').at(-1)).toMatchObject({
      status: 403,
      detail: "1000 runs of tenant crowd's extension code were already in progress or waiting",
    });
    // Another tenant on the same workers is served meanwhile.
    expect((await password('healthy')).status).toBe(200);
    for (const res of await Promise.all(crowd)) expect(res).toEqual({ status: 403, body: TIMEOUT });
  }, 60_000);
});
