/**
 * Fuzzes every endpoint of one running emulator (a real port) with many thousands of malformed requests:
 * random, truncated, invalid-UTF-8 and oversized bodies; wrong, missing and repeated content types;
 * `__proto__` and `constructor` keys in JSON, forms and query strings; arrays and objects where strings
 * belong; repeated parameters; huge headers; wrong methods; unknown paths, tenants and hosts; forged tokens
 * signed with a tenant's own key; the control plane (/__emulator/…) and the Management API (/api/v2/…) with
 * odd values; and, over raw sockets, broken HTTP framing (wrong Content-Length, bad chunking, bare LFs,
 * truncated requests, half-closed and reset connections, pipelining).
 *
 * Every answer must be a success or a well-formed Auth0 error (or a bodiless 400/408/413/417/431 from node's
 * own HTTP server), never a 5xx and never a stack trace; nothing may reach the emulator's onError (which is
 * for bugs); nothing may appear on Object.prototype; the server must still serve normal logins afterwards;
 * and the heap must come back near where it started. Where the generator knows the answer (a near-valid
 * request with nothing odd in it, a Management API call without a valid token, a signed forgery with a known
 * flaw) the answer must be exactly that one, and each property must have produced enough of those: a
 * generator that drifted into sending only garbage would fail. The last test prints what was sent and what
 * came back. forged-tokens.fuzz.ts throws forged and foreign tokens at /userinfo and the Management API.
 *
 * FUZZ_RUNS (default 1000: about 18,000 requests, about 10 s here) and FUZZ_SEED: see budget.ts, which also
 * bounds each property's time and fails a property that ran fewer than half its cases.
 */
import { sign as rsaSign, createPrivateKey } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig } from '../../src/index.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, fixture, rsaPem, startEmulator, tempDir, writeTemp, type TestEmulator } from '../helpers.js';
import { RUNS, SEED, runProperty, summary, timeoutFor } from './budget.js';

// ---------------------------------------------------------------------------------------------------------
// Bookkeeping
// ---------------------------------------------------------------------------------------------------------

const stats = {
  httpRequests: 0,
  wireConnections: 0,
  wireRequests: 0,
  noAnswer: 0,
  /** Successes that went all the way: tokens issued (through the extensions on `ext`), profiles served. */
  tokensIssued: 0,
  profilesServed: 0,
  statuses: new Map<number, number>(),
};
const countStatus = (status: number) => stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);

/**
 * An answer the generator knows: the status ('refused' for any 4xx) and, where it knows them, the whole body
 * and some headers. `label` names the prediction in the counts.
 */
interface Prediction {
  label: string;
  status: number | 'refused';
  /** The whole JSON body (asymmetric matchers allowed). */
  json?: unknown;
  /** The whole text body (/userinfo's plain `Unauthorized`). */
  text?: string;
  headers?: Record<string, string>;
}
/** How many answers matched each prediction (one that does not match fails the property at once). */
const predicted = new Map<string, number>();

/**
 * Each prediction was made (and met) about as often as the generator makes it: `rates` are the expected
 * shares of the `sent` requests, and the count must reach the expected one less four standard deviations (a
 * Poisson bound, so chance never fails it). A shortfall means the generator or the emulator changed: the
 * property no longer reaches what it aims at.
 */
function expectPredicted(sent: number, rates: Record<string, number>): void {
  for (const [label, rate] of Object.entries(rates)) {
    const mean = rate * sent;
    const floor = Math.max(0, Math.floor(mean - 4 * Math.sqrt(mean)));
    expect(predicted.get(label) ?? 0, `answers predicted as "${label}" (of ${sent} requests)`).toBeGreaterThanOrEqual(floor);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The emulator: the example tenant at the root (and at /dev/, dev.localhost), plus `ext`, a copy with
// rules, hooks, Actions, an HS256 API and a signing key the fuzzer knows (so it can forge valid signatures).
// ---------------------------------------------------------------------------------------------------------

type TenantInput = AuthEmulatorConfig['tenants'][number];
const EXAMPLE_TENANT = (parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as AuthEmulatorConfig).tenants[0]!;
const HS_API = 'https://hs.example/api';
const MANAGEMENT_SCOPES = ['read:users', 'create:users', 'update:users', 'delete:users', 'update:users_app_metadata', 'read:clients', 'read:client_grants', 'create:client_grants', 'delete:client_grants'];
/** A client grant for the Management API names it by any audience ending in /api/v2/. */
const MANAGEMENT_GRANT = { client_id: 'trusted-app', audience: 'https://tenant.example/api/v2/', scope: MANAGEMENT_SCOPES };
const KEY_DIR = tempDir('auth-emulator-fuzz-');
const EXT_PEM = rsaPem();
const EXT_KEY = createPrivateKey(EXT_PEM);

const CONFIG: AuthEmulatorConfig = {
  tenants: [
    { ...structuredClone(EXAMPLE_TENANT), default: true, client_grants: [...(EXAMPLE_TENANT.client_grants ?? []), MANAGEMENT_GRANT] },
    {
      ...structuredClone(EXAMPLE_TENANT),
      name: 'ext',
      default: false,
      signing_key: writeTemp(KEY_DIR, 'ext-signing-key.pem', EXT_PEM),
      apis: [...(EXAMPLE_TENANT.apis ?? []), { identifier: HS_API, signing_alg: 'HS256', signing_secret: 'fuzz-hs256-signing-secret-0123', scopes: ['read:hs'] }],
      client_grants: [...(EXAMPLE_TENANT.client_grants ?? []), { client_id: 'trusted-app', audience: HS_API, scope: ['read:hs'] }, MANAGEMENT_GRANT],
      rules: [fixture('extensions/rule-context.js'), fixture('extensions/seed-004-rule.js')],
      rules_configuration: { KEY: 'value' },
      hooks: {
        'password-exchange': fixture('extensions/seed-000-001-password-exchange-hook.js'),
        'credentials-exchange': fixture('extensions/cc-hook-claims.js'),
      },
      actions: { 'post-login': [fixture('actions/add-claims.js')], 'credentials-exchange': [fixture('actions/m2m-claims.js')] },
      secrets: { BILLING_KEY: 'bk-1' },
    } satisfies TenantInput,
  ],
};

let t: TestEmulator;
let port = 0;
const unexpected: unknown[] = [];
/** Real tokens to use, and mutate, in requests: filled in beforeAll. */
const tokens = {
  access: [] as string[],
  refresh: [] as string[],
  id: [] as string[],
  /** Management API tokens for the root tenant and for `ext` (path form). */
  management: [] as string[],
  managementAudience: 'x',
  userIds: [] as string[],
  extUserId: 'auth0|x',
  extKid: 'x',
  etags: [] as string[],
};
let agent: http.Agent;
const protoNamesBefore = protoSnapshot();

function protoSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((p) => Reflect.ownKeys(p).map(String).sort().join(','))
    .join('|');
}

function assertNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ['x', 'polluted', 'isAdmin', 'admin', 'prototype', 'a', '0']) {
    if (probe[key] !== undefined) throw new Error(`Object.prototype polluted: ({}).${key} = ${String(probe[key])}`);
  }
  if (protoSnapshot() !== protoNamesBefore) throw new Error('a built-in prototype gained or lost properties');
}

async function tokenRequest(prefix: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${t.url}${prefix}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`setup token request failed: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
}

let heapBefore = 0;
let rssBefore = 0;
let started = 0;

beforeAll(async () => {
  t = await startEmulator({ config: CONFIG, onError: (err) => unexpected.push(err) });
  port = Number(new URL(t.url).port);
  // Idle sockets are dropped after 1 s, well before the server's 5 s keep-alive timeout closes them.
  agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 1_000 });
  const password = { ...TRUSTED, grant_type: 'password', username: 'user@example.com', password: 'pwd' };
  for (const prefix of ['', '/ext']) {
    const full = await tokenRequest(prefix, { ...password, audience: API, scope: 'openid profile email offline_access read:sample' });
    const opaque = await tokenRequest(prefix, { ...password, scope: 'openid offline_access' });
    const m2m = await tokenRequest(prefix, { ...TRUSTED, grant_type: 'client_credentials', audience: API });
    tokens.access.push(full.access_token as string, opaque.access_token as string, m2m.access_token as string);
    tokens.refresh.push(full.refresh_token as string, opaque.refresh_token as string);
    tokens.id.push(full.id_token as string);
    tokens.userIds.push(decode(full.access_token as string).sub as string);
    if (prefix === '/ext') tokens.extUserId = decode(full.access_token as string).sub as string;
    const management = await tokenRequest(prefix, { ...TRUSTED, grant_type: 'client_credentials', audience: `${t.url}${prefix}/api/v2/` });
    tokens.management.push(management.access_token as string);
    tokens.access.push(management.access_token as string);
  }
  tokens.managementAudience = `${t.url}/api/v2/`;
  const hs = await tokenRequest('/ext', { ...TRUSTED, grant_type: 'client_credentials', audience: HS_API });
  tokens.access.push(hs.access_token as string);
  const jwks = (await (await fetch(`${t.url}/ext/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  tokens.extKid = jwks.keys[0]!.kid;
  for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration', '/ext/.well-known/jwks.json']) {
    tokens.etags.push((await fetch(`${t.url}${path}`)).headers.get('etag') ?? '"none"');
  }
  // Warm up every path once before measuring the heap.
  for (let i = 0; i < 50; i++) await tokenRequest(i % 2 ? '' : '/ext', { ...password, scope: 'openid' });
  await collectGarbage();
  heapBefore = process.memoryUsage().heapUsed;
  rssBefore = process.memoryUsage().rss;
  started = performance.now();
});

afterAll(async () => {
  agent?.destroy();
  await t?.close();
  rmSync(KEY_DIR, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// What every answer must look like
// ---------------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** A server-sent-event stream (GET /__emulator/logs): headers only. */
  streaming?: boolean;
}

/**
 * Stack frames or source paths: none may reach a client. (Error descriptions echo request values, but inside
 * JSON, where a newline is escaped, so `\n    at ` cannot come from the request; nor can these paths.)
 */
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const STACK = new RegExp(`\\n\\s+at |node:internal|node_modules|file://|${escapeRegExp(process.cwd())}`);
const APP_STATUSES = new Set([200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413]);
/** What node's HTTP server answers by itself, with no body and no content type: parse errors, timeouts, an `Expect` it does not know. */
const NODE_STATUSES = new Set([400, 408, 413, 417, 431]);
const ERROR_KEYS = new Set(['error', 'error_description', 'error_uri', 'mfa_token']);
/** The Management API's own error shape, `{statusCode, error, message, errorCode?}`: only under /api/v2. */
const MANAGEMENT_ERROR_KEYS = new Set(['statusCode', 'error', 'message', 'errorCode']);
const isManagementPath = (path: string) => /\/api\/v2(?:[/?#]|$)/.test(path);
/** A browser endpoint (src/http/routes.ts marks them): its errors are Auth0's HTML error page. */
const isPagePath = (path: string) => /\/(?:authorize|authorize\/resume|u\/login|continue|v2\/logout|oidc\/logout)(?:[?#]|$)/.test(path);

const header = (h: Answer['headers'], name: string): string => {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
};

/** Why an answer is not acceptable, or undefined when it is. */
function problemWith(method: string, path: string, res: Answer): string | undefined {
  const { status, headers, body } = res;
  if (status >= 500) return `a ${status} answer`;
  const text = body.toString('latin1');
  if (STACK.test(text) || STACK.test(Object.values(headers).join(' '))) return 'a stack trace or source path in the answer';
  const type = header(headers, 'content-type');
  const head = method.toUpperCase() === 'HEAD';
  if (!type && body.length === 0 && NODE_STATUSES.has(status)) return undefined;
  // The browser login's own answers (browser-login.fuzz.ts looks into them): a redirect, or a page.
  if (isPagePath(path) && status === 302) return headers.location ? undefined : 'a redirect without Location';
  if (isPagePath(path) && status === 200 && type === 'text/html; charset=utf-8') return header(headers, 'cache-control') === 'no-store' ? undefined : 'a page without Cache-Control: no-store';
  if (!APP_STATUSES.has(status)) return `unexpected status ${status}`;
  if (res.streaming) return status === 200 && type.startsWith('text/event-stream') ? undefined : 'a stream that is not the log stream';
  if ((head || status === 204 || status === 304) && body.length > 0) return `a body on a ${head ? 'HEAD' : status} answer`;
  if (status === 304 && !headers.etag) return '304 without an ETag';
  if (status < 400) {
    if (body.length === 0) return undefined;
    if (!type.startsWith('application/json')) return `a ${status} with content type ${type}`;
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return 'a success that is not JSON';
    }
    if (typeof json !== 'object' || json === null) return 'a success whose JSON is not an object';
    if ('access_token' in json) stats.tokensIssued++;
    if ('sub' in json) stats.profilesServed++;
    return undefined;
  }
  if (status === 405 && !headers.allow) return '405 without Allow';
  if (status === 401 && type.startsWith('text/plain')) {
    if (!head && text !== 'Unauthorized') return `a text 401 saying ${JSON.stringify(text.slice(0, 100))}`;
    return /^Bearer realm="Users"/.test(header(headers, 'www-authenticate')) ? undefined : '401 without WWW-Authenticate: Bearer realm="Users"';
  }
  if (type === 'text/html; charset=utf-8' && isPagePath(path)) {
    if (header(headers, 'cache-control') !== 'no-store' || header(headers, 'x-frame-options') !== 'deny') return `a ${status} error page without no-store or X-Frame-Options: deny`;
    if (head) return undefined;
    // The page is ours alone: whatever the request carried shows up escaped, never as markup.
    if (!text.startsWith('<!doctype html>') || !text.includes('<code id="error-details">')) return `an error page that is not the error page: ${text.slice(0, 200)}`;
    return /<script|<img|<iframe|\son\w+=/i.test(text) ? `markup from the request in an error page: ${text.slice(0, 600)}` : undefined;
  }
  if (!type.startsWith('application/json')) return `a ${status} error with content type ${JSON.stringify(type)}`;
  if (header(headers, 'cache-control') !== 'no-store') return `a ${status} error without Cache-Control: no-store`;
  if (head) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return `a ${status} error whose body is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'an error body that is not an object';
  if (isManagementPath(path) && 'statusCode' in json) {
    const { statusCode, error, message } = json as Record<string, unknown>;
    if (statusCode !== status || typeof error !== 'string' || typeof message !== 'string') return `a malformed Management API error: ${text.slice(0, 200)}`;
    const extra = Object.keys(json).filter((k) => !MANAGEMENT_ERROR_KEYS.has(k));
    return extra.length > 0 ? `unexpected keys in a Management API error: ${extra.join(', ')}` : undefined;
  }
  const { error, error_description: description } = json as Record<string, unknown>;
  if (typeof error !== 'string' || !/^[a-z][a-z0-9_]*$/.test(error)) return `an error body without a proper error code: ${text.slice(0, 200)}`;
  if (typeof description !== 'string') return `an error body without error_description: ${text.slice(0, 200)}`;
  const extra = Object.keys(json).filter((k) => !ERROR_KEYS.has(k));
  if (extra.length > 0) return `unexpected keys in an error body: ${extra.join(', ')}`;
  return undefined;
}

function assertAnswer(method: string, path: string, res: Answer, describeRequest: () => string): void {
  countStatus(res.status);
  const problem = problemWith(method, path, res);
  if (problem) {
    const reported = unexpected.length > 0 ? `\n  onError got: ${String((unexpected[0] as Error).stack ?? unexpected[0]).split('\n').slice(0, 4).join('\n    ')}` : '';
    throw new Error(`${problem}${reported}\n  status ${res.status}\n  headers ${JSON.stringify(res.headers)}\n  body ${JSON.stringify(res.body.toString('latin1').slice(0, 600))}\n  request ${describeRequest()}`);
  }
}

/**
 * Errors reported after a failed run belong to it, not to the next one: each run starts clean (otherwise
 * fast-check's shrinking would blame a later, innocent request).
 */
function forgetUnexpected(): void {
  unexpected.length = 0;
}

function assertNothingUnexpected(describeRequest: () => string): void {
  if (unexpected.length > 0) {
    const err = unexpected.splice(0)[0];
    throw new Error(`the emulator reported an unexpected error (a bug): ${err instanceof Error ? err.stack : String(err)}\n  request ${describeRequest()}`);
  }
  assertNoPollution();
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks: names, values, keys, paths, hosts
// ---------------------------------------------------------------------------------------------------------

const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];
const PARAM_NAMES = ['grant_type', 'client_id', 'client_secret', 'username', 'password', 'realm', 'audience', 'scope', 'refresh_token', 'token'];
const GRANTS = ['password', 'client_credentials', 'refresh_token', 'http://auth0.com/oauth/grant-type/password-realm', 'authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'];
const INTERESTING = [
  '', ' ', '\t', '\n', '\u0000', '\ufeff', '\ud800', '\uffff', '😀', 'é', 'null', 'undefined', 'NaN', '[object Object]', '%00', '%zz', '%', '+', '&', '=',
  '${7*7}', '{{7*7}}', '../../etc/passwd', "' OR 1=1 --", '<script>alert(1)</script>', 'a'.repeat(3000),
  ...PROTO_NAMES, ...GRANTS, 'trusted-app', 'TRUSTED-APP', 'trusted-app ', 'spa', 'trusted-app-secret', 'user@example.com', ' USER@example.com ', 'boss@corp.example', 'pwd', 's3cret',
  API, `${API}/`, HS_API, 'https://auth0.com/api/v2/', 'Username-Password-Authentication', 'employees', 'openid', 'openid profile email offline_access', 'offline_access',
  'read:sample', 'read:sample write:sample', 'openid\u00a0profile', 'openid\u2028profile', ' openid  openid ',
];
const interesting = fc.constantFrom(...INTERESTING);
/** `arb` one time in `oneIn`, else null. */
const rarely = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });
const latin1Char = fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c));
/** A string node's http client accepts as a header value: tab, printable ASCII and latin1 (bytes 0x80-0xff). */
const headerValue = (maxLength = 60) => fc.oneof(fc.string({ unit: latin1Char, maxLength }), fc.string({ maxLength }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)));
const stringValue = fc.oneof(
  { arbitrary: interesting, weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: latin1Char, maxLength: 40 }), weight: 1 },
);
const keyName = fc.oneof(
  { arbitrary: fc.constantFrom(...PARAM_NAMES), weight: 5 },
  { arbitrary: fc.constantFrom(...PROTO_NAMES), weight: 3 },
  { arbitrary: fc.constantFrom('x', 'polluted', 'isAdmin', 'scope[]', 'scope[0]', '__proto__[x]', 'constructor[prototype][x]', ''), weight: 1 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
);

/** JSON text (not a value: `__proto__` must survive as a literal key), nested, with numbers JSON.parse finds odd. */
const jsonLeaf = fc.oneof(
  stringValue.map((s) => JSON.stringify(s)),
  fc.constantFrom('null', 'true', 'false', '0', '-0', '1e999', '-1e999', '1e-999', '123456789012345678901234567890', '0.1', '-1'),
  fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : '0')),
);
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(keyName, tie('value')), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;
const jsonObjectText = fc
  .array(fc.tuple(keyName, jsonText), { maxLength: 8 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** A JSON object for the control plane and the Management API: their own keys, with odd values. */
const CONTROL_KEYS = [
  'freeze', 'unfreeze', 'set', 'advance', 'reset', 'client', 'user', 'connection', 'audience', 'scope', 'expiresIn', 'notBefore', 'tenant',
  'email', 'password', 'username', 'name', 'nickname', 'blocked', 'email_verified', 'app_metadata', 'user_metadata', 'user_id', 'password_hash',
  'given_name', 'picture', 'phone_number', 'client_id', 'verify_email', ...PROTO_NAMES,
];
const controlValue = fc.oneof(
  fc.constantFrom('0', '-1', '1', '1.5', '60', '3600', '1e300', '-1e300', '8640000000000000', '8640000000000001', '-8640000000000001', '9007199254740993', '1e999', 'true', 'false', 'null', '[]', '{}', '["openid"]', '[1,{}]'),
  fc.constantFrom(
    '2020-01-01T00:00:00Z', '+275760-09-13T00:00:00.001Z', 'not a date', '', 'trusted-app', 'spa', 'user@example.com', 'new@example.com', API, 'https://tenant.example/api/v2/',
    'Username-Password-Authentication', 'employees', 'ext', 'dev', 'nope', 'openid profile offline_access', 'read:users', 'auth0|nope', '$2b$04$IVuTS5m/N0DzLa/gObY1TOztXqMBXshI90uOdIeKUI1.Lp1l6MCte',
  ).map((s) => JSON.stringify(s)),
  jsonText,
);
const objectText = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
const controlBody = fc
  .array(fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...CONTROL_KEYS), weight: 4 }, { arbitrary: keyName, weight: 1 }), controlValue), { maxLength: 5 })
  .map(objectText);
/** A body aimed at one control-plane route: its own keys (and the required ones, mostly right), odd values. */
const controlBodyFor = (route: string): fc.Arbitrary<string> => {
  const some = (keys: string[]) => fc.array(fc.tuple(fc.constantFrom(...keys), controlValue), { maxLength: 4 });
  if (route === '/clock') return some(['freeze', 'unfreeze', 'set', 'advance', 'reset']).map(objectText);
  if (route === '/tokens') {
    return fc
      .tuple(fc.oneof({ arbitrary: fc.constant('"trusted-app"'), weight: 5 }, { arbitrary: controlValue, weight: 1 }), some(['user', 'connection', 'audience', 'scope', 'expiresIn', 'notBefore', 'tenant']))
      .map(([client, rest]) => objectText([['client', client], ...rest]));
  }
  if (route === '/users' || route.startsWith('/users/')) {
    return fc
      .tuple(fc.constantFrom('"new@example.com"', '"user@example.com"', '5', '"x"'), fc.constantFrom('"pw"', '""', '1'), some(CONTROL_KEYS.slice(12)))
      .map(([email, password, rest]) => objectText([['email', email], ['password', password], ...rest]));
  }
  return controlBody;
};

const FORM_KEYS = ['__proto__[x]', '__proto__[polluted]', 'constructor[prototype][x]', '__proto__.x', 'constructor.prototype.x', '__proto__', 'constructor', 'scope[]', 'scope[0]', 'a[b][c]', 'x'];
const formKey = fc.oneof(keyName, fc.constantFrom(...FORM_KEYS));
/** A form body: entries (repeats allowed) with proper, raw or broken encoding, joined oddly now and then. */
const formText = fc
  .record({
    entries: fc.array(fc.tuple(formKey, fc.oneof(stringValue, fc.constantFrom('1', 'true'))), { maxLength: 8 }),
    encoding: fc.constantFrom('encoded', 'encoded', 'raw', 'broken'),
    joiner: fc.constantFrom('&', '&', '&', ';', '&&', '&=&'),
  })
  .map(({ entries, encoding, joiner }) =>
    entries
      .map(([k, v]) => {
        if (encoding === 'raw') return `${k}=${v}`;
        const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'));
        return encoding === 'encoded' ? `${enc(k)}=${enc(v)}` : `${enc(k)}=${enc(v)}%${v.length % 2 ? 'zz' : 'E0%A4%A'}`;
      })
      .join(joiner),
  );

// ---------------------------------------------------------------------------------------------------------
// Tenant routing: where a request goes
// ---------------------------------------------------------------------------------------------------------

const ENDPOINTS = [
  '/oauth/token', '/oauth/token', '/oauth/token', '/userinfo', '/userinfo', '/oauth/revoke', '/oauth/revoke',
  '/.well-known/jwks.json', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
  '/__emulator/logs', '/__emulator/', '/__emulator/logs/', '/__emulator/nope',
  '/', '/authorize', '/u/login', '/authorize/resume', '/continue', '/oauth', '/oauth/', '/oauth/token/', '/OAUTH/TOKEN', '/oauth//token', '/oauth/token/../token', '/%2e%2e/oauth/token',
  '/oauth%2ftoken', '/.well-known/', '/.well-known/jwks.json.bak', '/userinfo/', '/nope', '/v2/logout', '/oidc/logout',
  '/__emulator/reset', '/__emulator/clock', '/__emulator/users', '/__emulator/users/auth0%7Cx/block', '/__emulator/journal', '/__emulator/tokens',
  '/api/v2/users', '/api/v2/users', '/api/v2/users-by-email', '/api/v2/users/auth0%7Cnope', '/api/v2/clients', '/api/v2/client-grants', '/api/v2/client-grants/cgr_x', '/api/v2/', '/api/v2/nope',
];
const PREFIXES = ['', '', '', '/dev', '/ext', '/ext', '/nope', '/DEV', '/__proto__', '/constructor', '/dev/dev', '/ext/dev', '//dev', '/%64ev'];
/** A path the node http client accepts (no spaces or control characters; latin1 bytes are fine). */
const MANAGEMENT_QUERIES = [
  '?q=email:"user@example.com"', '?q=email:user@example.com', '?q=name:ex*', '?q=app_metadata.plan:"gold"', '?q=_exists_:email AND email:*', '?q=a:b OR',
  '?q=_exists_:constructor', '?q=__proto__.x:1', '?q=constructor.name:Object', '?q=toString:function*', '?q=%22', '?q=' + 'a:b AND '.repeat(500) + 'a:b',
  '?q=email:"' + '\\"'.repeat(2000) + '"', '?per_page=-1&page=1e308', '?per_page=1e999&page=-5', '?include_totals=true&per_page=0', '?page=NaN',
  '?email=USER@EXAMPLE.COM', '?email=', '?email[]=a', '?audience=__proto__&client_id=constructor',
].map((q) => q.replace(/ /g, '%20'));
const pathChars = fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 30 });
const queryString = fc.oneof(
  { arbitrary: fc.constant(''), weight: 6 },
  { arbitrary: fc.constantFrom('?__proto__[x]=1', '?constructor[prototype][x]=1', '?__proto__=1&__proto__=2', '?tenant=ext', '?tenant=__proto__', '?tenant[]=a&tenant=b', '?grant_type=password&grant_type=x', '?', '?&&=&', '?%zz=%'), weight: 3 },
  { arbitrary: fc.constantFrom(...MANAGEMENT_QUERIES), weight: 2 },
  { arbitrary: fc.array(fc.tuple(formKey, stringValue), { maxLength: 5 }).map((e) => `?${e.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'))}`).join('&')}`), weight: 1 },
);
const pathArb = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...ENDPOINTS), queryString).map(([p, e, q]) => `${p}${e}${q}` || '/'), weight: 12 },
  { arbitrary: fc.tuple(fc.constantFrom(...PREFIXES), pathChars).map(([p, s]) => `${p}/${s}`), weight: 1 },
  { arbitrary: fc.webPath().map((p) => p || '/'), weight: 1 },
);
/** The Host header: undefined lets node set 127.0.0.1:port; MISSING sends none. */
const MISSING = '<missing>';
const hostArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'dev.localhost', 'ext.localhost', 'EXT.LOCALHOST.', 'nope.localhost', '__proto__.localhost', 'constructor.localhost', 'hasOwnProperty.localhost',
      'localhost', 'localhost:1', 'ext.localhost:99999', '[::1]', '[::1', '[', ']', ':', 'a:b:c', '', MISSING, 'x'.repeat(2000), 'évil.localhost', 'dev.localhost, ext.localhost',
    ),
    weight: 3,
  },
  { arbitrary: headerValue(40), weight: 1 },
);

// ---------------------------------------------------------------------------------------------------------
// Headers and bodies
// ---------------------------------------------------------------------------------------------------------

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded',
  'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json;;;', 'APPLICATION/JSON', 'application/json ; charset="utf-8"',
  'application/x-www-form-urlencoded; charset=utf-16', 'text/plain', 'text/html', 'multipart/form-data; boundary=x', 'application/xml', 'application/*', '*/*',
  '', ';', 'json', 'application/json, application/x-www-form-urlencoded', 'application/vnd.api+json', 'application/jwt', 'application/json; charset=',
];
const contentTypeArb = fc.oneof(
  { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 8 },
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: headerValue(30), weight: 1 },
);

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const mutateToken = (token: string, how: number, at: number): string => {
  const i = at % Math.max(1, token.length);
  switch (how) {
    case 0: return token;
    case 1: return token.slice(0, i);
    case 2: return `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
    case 3: return `${token}.`;
    case 4: return token.split('.').reverse().join('.');
    case 5: return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${token.split('.')[1] ?? ''}.`;
    case 6: return `${Buffer.from(`{"alg":"HS256","kid":"${tokens.extKid}"}`).toString('base64url')}.${token.split('.')[1] ?? ''}.${token.split('.')[2] ?? ''}`;
    default: return token.replace(/\./g, '..');
  }
};
const tokenArb = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(7), fc.nat()).map(([k, how, at]) => mutateToken([...tokens.access, ...tokens.id][k % (tokens.access.length + tokens.id.length)] ?? '', how, at)),
  stringValue,
  fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,80}=*$/),
);
const refreshArb = fc.oneof(fc.tuple(fc.nat(), fc.nat(7), fc.nat()).map(([k, how, at]) => mutateToken(tokens.refresh[k % tokens.refresh.length] ?? '', how % 3, at)), stringValue);

/** Node's http client refuses control characters in header values. */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
const authorizationArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 8 },
  { arbitrary: tokenArb.map((tok) => headerSafe(`Bearer ${tok}`)), weight: 4 },
  { arbitrary: fc.constantFrom(`Basic ${b64('trusted-app:trusted-app-secret')}`, `Basic ${b64('spa:')}`, `Basic ${b64('no-colon')}`, `Basic ${b64('%E0%A4%A:x')}`, `Basic ${b64('__proto__:x')}`, `Basic ${b64('constructor:prototype')}`, 'Basic', 'Basic ', 'Basic !!!', 'Bearer', 'Bearer ', 'bearer  x', 'Digest x', 'Bearer a b', 'Bearer\tabc', 'Basic\t' + b64('a:b')), weight: 3 },
  { arbitrary: fc.tuple(stringValue, stringValue).map(([id, secret]) => `Basic ${b64(`${id}:${secret}`)}`), weight: 2 },
  { arbitrary: stringValue.map((s) => headerSafe(`Bearer ${s}`)), weight: 1 },
  { arbitrary: headerValue(80), weight: 1 },
  { arbitrary: fc.constantFrom(`Bearer ${'A'.repeat(10_000)}`, `Basic ${'A'.repeat(10_000)}`), weight: 1 },
);

/** A plausible token request for one tenant (what it was made of, and its parameters), with some parameters swapped for odd values. */
const nearValidRequest = fc
  .record({
    grant: fc.constantFrom('password', 'password', 'client_credentials', 'refresh_token', 'http://auth0.com/oauth/grant-type/password-realm'),
    client: fc.constantFrom('trusted', 'trusted', 'spa', 'none'),
    audience: fc.constantFrom(undefined, API, HS_API, 'https://nope.example/', '<management>', 'https://tenant.example/api/v2/'),
    scope: fc.constantFrom(undefined, 'openid', 'openid profile email offline_access', 'read:sample', 'read:hs offline_access openid', 'read:sample write:sample', 'email phone address identities created_at'),
    realm: fc.constantFrom('Username-Password-Authentication', 'employees'),
    // One request in three is left as it is: the ones that get through to the grants and the extensions.
    mutations: fc.oneof(
      { arbitrary: fc.constant([]), weight: 1 },
      { arbitrary: fc.array(fc.tuple(keyName, fc.oneof({ arbitrary: stringValue, weight: 4 }, { arbitrary: jsonText, weight: 1 })), { minLength: 1, maxLength: 3 }), weight: 2 },
    ),
  })
  .chain((p) => refreshArb.map((refresh) => ({ ...p, refresh })))
  .map((p) => {
    const { grant, client, audience, scope, realm, mutations, refresh } = p;
    const entries: [string, string | { json: string }][] = [['grant_type', grant]];
    if (client === 'trusted') entries.push(['client_id', TRUSTED.client_id], ['client_secret', TRUSTED.client_secret]);
    if (client === 'spa') entries.push(['client_id', 'spa']);
    if (grant !== 'client_credentials' && grant !== 'refresh_token') entries.push(['username', realm === 'employees' ? 'boss@corp.example' : 'user@example.com'], ['password', realm === 'employees' ? 's3cret' : 'pwd']);
    if (grant.endsWith('password-realm')) entries.push(['realm', realm]);
    if (grant === 'refresh_token') entries.push(['refresh_token', refresh]);
    if (audience !== undefined) entries.push(['audience', audience === '<management>' ? tokens.managementAudience : audience]);
    if (scope !== undefined) entries.push(['scope', scope]);
    for (const [key, value] of mutations) {
      const i = entries.findIndex(([k]) => k === key);
      const v: string | { json: string } = value.startsWith('{') || value.startsWith('[') ? { json: value } : value;
      if (i >= 0) entries[i] = [key, v];
      else entries.push([key, v]);
    }
    return { ...p, entries };
  });
type NearValid = typeof nearValidRequest extends fc.Arbitrary<infer T> ? T : never;
const nearValidParams = nearValidRequest.map((r) => r.entries);

const asJson = (entries: [string, string | { json: string }][]) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'string' ? JSON.stringify(v) : v.json}`).join(',')}}`;
const asForm = (entries: [string, string | { json: string }][]) =>
  entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent((typeof v === 'string' ? v : v.json).replace(/[\ud800-\udfff]/g, '?'))}`).join('&');

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xf0, 0x9f, 0x98]].map((b) => Buffer.from(b));
const spliceBytes = (body: Buffer, at: number, insert: Buffer) => {
  const i = body.length === 0 ? 0 : at % (body.length + 1);
  return Buffer.concat([body.subarray(0, i), insert, body.subarray(i)]);
};

interface BodyChoice {
  bytes: Buffer | null;
  /** The content type this body was made for, if any. */
  natural?: string;
  /** Large enough that the server may stop reading early. */
  large?: boolean;
}

const bodyArb: fc.Arbitrary<BodyChoice> = fc.oneof(
  { arbitrary: fc.constant<BodyChoice>({ bytes: null }), weight: 3 },
  { arbitrary: fc.constant<BodyChoice>({ bytes: Buffer.alloc(0) }), weight: 1 },
  { arbitrary: nearValidParams.map((e): BodyChoice => ({ bytes: Buffer.from(asJson(e)), natural: 'application/json' })), weight: 6 },
  { arbitrary: nearValidParams.map((e): BodyChoice => ({ bytes: Buffer.from(asForm(e)), natural: 'application/x-www-form-urlencoded' })), weight: 5 },
  { arbitrary: jsonObjectText.map((s): BodyChoice => ({ bytes: Buffer.from(s), natural: 'application/json' })), weight: 4 },
  { arbitrary: jsonText.map((s): BodyChoice => ({ bytes: Buffer.from(s), natural: 'application/json' })), weight: 2 },
  { arbitrary: formText.map((s): BodyChoice => ({ bytes: Buffer.from(s), natural: 'application/x-www-form-urlencoded' })), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 600 }).map((b): BodyChoice => ({ bytes: Buffer.from(b) })), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s): BodyChoice => ({ bytes: Buffer.from(s) })), weight: 1 },
  {
    // A valid body cut short.
    arbitrary: fc.tuple(nearValidParams, fc.boolean(), fc.nat()).map(([e, json, at]): BodyChoice => {
      const s = json ? asJson(e) : asForm(e);
      return { bytes: Buffer.from(s.slice(0, at % Math.max(1, s.length))), natural: json ? 'application/json' : 'application/x-www-form-urlencoded' };
    }),
    weight: 2,
  },
  {
    // A valid body with invalid UTF-8 spliced in.
    arbitrary: fc.tuple(nearValidParams, fc.boolean(), fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([e, json, at, bad]): BodyChoice => ({
      bytes: spliceBytes(Buffer.from(json ? asJson(e) : asForm(e)), at, bad),
      natural: json ? 'application/json' : 'application/x-www-form-urlencoded',
    })),
    weight: 2,
  },
  {
    // Deep nesting, for JSON.parse.
    arbitrary: fc.tuple(fc.integer({ min: 100, max: 30_000 }), fc.boolean()).map(([n, arr]): BodyChoice => ({
      bytes: Buffer.from(arr ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`.slice(0, 65_000)),
      natural: 'application/json',
    })),
    weight: 1,
  },
  {
    // Around the 64 KB limit, and well past it.
    arbitrary: fc.tuple(fc.constantFrom(65_000, 65_535, 65_536, 65_537, 70_000, 300_000, 300_000, 4_000_000), fc.boolean()).map(([size, json]): BodyChoice => {
      const prefix = json ? '{"grant_type":"password","junk":"' : 'grant_type=password&junk=';
      const body = Buffer.alloc(Math.max(size, prefix.length + 2), 'x');
      body.write(prefix, 0);
      if (json) body.write('"}', body.length - 2);
      return { bytes: body, natural: json ? 'application/json' : 'application/x-www-form-urlencoded', large: true };
    }),
    weight: 1,
  },
);

// ---------------------------------------------------------------------------------------------------------
// Property 1: structured requests over node:http (keep-alive, several at once)
// ---------------------------------------------------------------------------------------------------------

const METHODS = ['POST', 'POST', 'POST', 'POST', 'GET', 'GET', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE', 'SEARCH', 'LOCK', 'FOO', 'get', 'Post'];

interface HttpCase {
  method: string;
  path: string;
  host: string | undefined;
  headers: [string, string][];
  body: Buffer | null;
  chunked: boolean;
  /** A client-side reset is an acceptable outcome (huge headers, a method node's parser refuses, a huge body). */
  mayReset: boolean;
  /** The answer, when the generator knows it. */
  expect?: Prediction;
}

const JUNK_HEADER_NAMES = ['X-Fuzz', 'Accept', 'Accept-Encoding', 'User-Agent', 'Cookie', 'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'Forwarded', 'Referer', '__proto__', 'constructor', 'Content-Encoding', 'Content-Language', 'Range', 'If-Modified-Since', 'Access-Control-Request-Headers'];
const httpCase: fc.Arbitrary<HttpCase> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    path: pathArb,
    host: hostArb,
    contentType: contentTypeArb,
    repeatContentType: fc.nat(9).map((n) => n === 0),
    useNatural: fc.boolean(),
    authorization: authorizationArb,
    origin: rarely(fc.oneof(fc.constantFrom('http://localhost:3000', 'null', 'https://evil.example', '*'), headerValue(30)), 3),
    preflight: rarely(fc.tuple(fc.constantFrom('POST', 'GET', 'DELETE', 'x'), headerValue(40)), 3),
    ifNoneMatch: rarely(fc.oneof(fc.nat().map((i) => tokens.etags[i % tokens.etags.length] ?? '"x"'), fc.constantFrom('*', '"x"', 'W/"x"', ''), headerValue(20)), 4),
    junk: fc.array(fc.tuple(fc.constantFrom(...JUNK_HEADER_NAMES), headerValue(60)), { maxLength: 4 }),
    huge: rarely(fc.constantFrom(8_000, 15_000, 17_000, 40_000, 80_000), 20),
    body: bodyArb,
    chunked: fc.boolean(),
  })
  .map((r): HttpCase => {
    const headers: [string, string][] = [];
    const type = r.useNatural && r.body.natural ? r.body.natural : r.contentType;
    if (type !== undefined) headers.push(['Content-Type', type]);
    if (type !== undefined && r.repeatContentType) headers.push(['Content-Type', 'text/plain']);
    if (r.authorization !== undefined) headers.push(['Authorization', r.authorization]);
    if (r.origin !== null) headers.push(['Origin', r.origin]);
    if (r.preflight !== null) headers.push(['Access-Control-Request-Method', r.preflight[0]], ['Access-Control-Request-Headers', r.preflight[1]]);
    if (r.ifNoneMatch !== null) headers.push(['If-None-Match', r.ifNoneMatch]);
    headers.push(...r.junk);
    if (r.huge !== null) headers.push(['X-Huge', 'h'.repeat(r.huge)]);
    const weirdMethod = !['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'].includes(r.method);
    // Node itself refuses huge heads (431), methods it does not know and a missing Host (400), and closes the
    // connection; a client still sending its body may see the reset before the answer.
    const mayReset = r.huge !== null || weirdMethod || r.host === MISSING || r.body.large === true;
    return { method: r.method, path: r.path, host: r.host, headers, body: r.body.bytes, chunked: r.chunked, mayReset };
  });

function describeHttp(c: HttpCase): string {
  const body = c.body === null ? null : c.body.length > 300 ? `<${c.body.length} bytes: ${JSON.stringify(c.body.subarray(0, 120).toString('latin1'))}…>` : JSON.stringify(c.body.toString('latin1'));
  const headers = c.headers.map(([k, v]) => [k, v.length > 200 ? `<${v.length} chars: ${v.slice(0, 40)}…>` : v]);
  return JSON.stringify({ method: c.method, path: c.path, host: c.host ?? '(node default)', headers, chunked: c.chunked, body, bodyBase64: c.body && c.body.length <= 300 ? c.body.toString('base64') : undefined });
}

type HttpOutcome = Answer | { clientError: string; reusedSocket?: boolean };

/**
 * Sends one case. A reset on a reused keep-alive socket is the well-known race with the server's keep-alive
 * timeout (node's docs advise a retry), not the server's doing: such a request is sent once more.
 */
async function sendHttp(c: HttpCase): Promise<HttpOutcome> {
  const outcome = await sendHttpOnce(c);
  if ('clientError' in outcome && outcome.reusedSocket && /ECONNRESET|socket hang up/.test(outcome.clientError)) return sendHttpOnce(c);
  return outcome;
}

const ignoreSocketError = () => {};

function sendHttpOnce(c: HttpCase): Promise<HttpOutcome> {
  stats.httpRequests++;
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of c.headers) {
      const prev = headers[k];
      headers[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    if (c.host !== undefined && c.host !== MISSING) headers.Host = c.host;
    const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.path, agent, setHost: c.host === undefined, headers });
    const timer = setTimeout(() => {
      req.destroy();
      done({ clientError: 'no answer within 15 s' });
    }, 15_000);
    req.on('error', (err: NodeJS.ErrnoException) => done({ clientError: `${err.code ?? 'error'}: ${err.message}`, reusedSocket: req.reusedSocket }));
    // A write the server cut short (it answered and closed first) can fail on the socket after the request let
    // go of it (seen once in CI as an uncaught `write ECONNRESET`); the request's own error, if any, is above.
    req.on('socket', (socket) => {
      if (!socket.listeners('error').includes(ignoreSocketError)) socket.on('error', ignoreSocketError);
    });
    req.on('response', (res) => {
      const base = { status: res.statusCode ?? 0, headers: res.headers };
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        done({ ...base, body: Buffer.alloc(0), streaming: true });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => done({ ...base, body: Buffer.concat(chunks) }));
      res.on('error', (err: NodeJS.ErrnoException) => done({ clientError: `response ${err.code ?? 'error'}: ${err.message}` }));
    });
    const body = c.body;
    if (body === null) req.end();
    else if (!c.chunked) {
      req.setHeader('Content-Length', body.length);
      req.end(body);
    } else {
      const third = Math.ceil(body.length / 3);
      for (let i = 0; i < body.length; i += third) req.write(body.subarray(i, i + third));
      req.end();
    }
  });
}

async function checkHttp(c: HttpCase, outcome: HttpOutcome): Promise<void> {
  if ('clientError' in outcome) {
    stats.noAnswer++;
    if (c.mayReset && /ECONNRESET|EPIPE|socket hang up/.test(outcome.clientError)) return;
    throw new Error(`no answer: ${outcome.clientError}\n  request ${describeHttp(c)}`);
  }
  assertAnswer(c.method, c.path, outcome, () => describeHttp(c));
  if (c.expect) checkPrediction(c.expect, outcome, () => describeHttp(c));
}

function checkPrediction({ label, status, json, text, headers }: Prediction, res: Answer, describeRequest: () => string): void {
  const body = res.body.toString('utf8');
  try {
    if (status === 'refused') {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    } else expect(res.status).toBe(status);
    if (json !== undefined) expect(JSON.parse(body)).toEqual(json);
    if (text !== undefined) expect(body).toBe(text);
    for (const [name, value] of Object.entries(headers ?? {})) expect(header(res.headers, name), name).toBe(value);
  } catch (err) {
    throw new Error(`not the predicted answer (${label}): ${(err as Error).message}\n  status ${res.status}\n  body ${JSON.stringify(body.slice(0, 600))}\n  request ${describeRequest()}`);
  }
  predicted.set(label, (predicted.get(label) ?? 0) + 1);
}

/** Undoes what earlier cases changed (users, grants, the clock), for a property whose predictions rely on the config. */
async function resetEmulator(): Promise<void> {
  expect((await fetch(`${t.url}/__emulator/reset`, { method: 'POST' })).status).toBe(204);
}

// ---------------------------------------------------------------------------------------------------------
// Property 2: forged tokens at /userinfo, validly signed with the `ext` tenant's own key
// ---------------------------------------------------------------------------------------------------------

const claimValue = fc.oneof(stringValue, fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.array(stringValue, { maxLength: 3 }), jsonText.map((s) => ({ json: s })));
const forgedCase = fc.record({
  header: fc.constantFrom<Record<string, unknown>>(
    { alg: 'RS256', typ: 'JWT' },
    { alg: 'RS256', typ: 'JWT' },
    { alg: 'RS256', typ: 'JWT', crit: ['exp'] },
    { alg: 'RS256', b64: false, crit: ['b64'] },
    { alg: 'RS256', kid: 'someone-else' },
    { alg: 'RS256', kid: null },
    { alg: 'RS384' },
  ),
  sub: fc.oneof({ arbitrary: fc.constant('<user>'), weight: 3 }, { arbitrary: claimValue, weight: 1 }),
  iss: fc.oneof({ arbitrary: fc.constant('<issuer>'), weight: 3 }, { arbitrary: claimValue, weight: 1 }),
  aud: fc.oneof({ arbitrary: fc.constantFrom('<userinfo>', '<both>'), weight: 3 }, { arbitrary: claimValue, weight: 1 }),
  exp: fc.oneof({ arbitrary: fc.constant('<future>'), weight: 3 }, { arbitrary: fc.constantFrom<unknown>(0, -1, 1e308, '9999999999', null, 1.5), weight: 1 }),
  scope: fc.oneof({ arbitrary: fc.constantFrom('openid', 'openid profile email phone address identities created_at', 'openid __proto__ constructor toString', 'profile'), weight: 3 }, { arbitrary: claimValue, weight: 1 }),
  extra: fc.array(fc.tuple(keyName, jsonText), { maxLength: 4 }),
  route: fc.constantFrom('path', 'host'),
  method: fc.constantFrom('GET', 'POST'),
  scheme: fc.constantFrom('Bearer ', 'Bearer ', 'bearer ', 'BEARER   '),
});
type ForgedCase = typeof forgedCase extends fc.Arbitrary<infer T> ? T : never;

const OPENID_SCOPES = ['openid', 'openid profile email phone address identities created_at', 'openid __proto__ constructor toString'];
const unauthorized = (label: string, description: string): Prediction => ({
  label,
  status: 401,
  text: 'Unauthorized',
  headers: { 'www-authenticate': `Bearer realm="Users", error="invalid_token", error_description="${description}"` },
});

/**
 * A forgery signed with the tenant's own key is as good as the emulator's own token when every claim is the
 * right one; one unusual header makes it invalid; an `exp` in the past or not a number, or a scope without
 * `openid`, are refused with their own descriptions. Extra claims can override any of these: then unknown.
 */
function predictForged(f: ForgedCase): Prediction | undefined {
  if (JSON.stringify(f.header) !== '{"alg":"RS256","typ":"JWT"}') return unauthorized('signed forgeries: bad header', 'Invalid token');
  if (f.extra.length > 0 || f.sub !== '<user>' || f.iss !== '<issuer>' || (f.aud !== '<userinfo>' && f.aud !== '<both>')) return undefined;
  if (f.exp === 0 || f.exp === -1 || f.exp === 1.5) return unauthorized('signed forgeries: expired', 'The token has expired');
  if (f.exp === null || f.exp === '9999999999') return unauthorized('signed forgeries: exp not a number', 'Invalid token');
  if (f.exp !== '<future>') return undefined;
  if (typeof f.scope === 'string' && OPENID_SCOPES.includes(f.scope)) return { label: 'signed forgeries: accepted', status: 200, json: expect.objectContaining({ sub: tokens.extUserId }) };
  if (f.scope === 'profile') return unauthorized('signed forgeries: no openid', 'The access token was not granted the openid scope'); // emulator's wording (NOTE(emulator) in src/endpoints/userinfo.ts)
  return undefined;
}

function forge(f: ForgedCase, issuer: string): string {
  const header = { ...f.header, ...(f.header.kid === undefined ? { kid: tokens.extKid } : {}) };
  const resolve = (v: unknown): string => {
    if (v === '<user>') return JSON.stringify(tokens.extUserId);
    if (v === '<issuer>') return JSON.stringify(issuer);
    if (v === '<userinfo>') return JSON.stringify(`${issuer}userinfo`);
    if (v === '<both>') return JSON.stringify([API, `${issuer}userinfo`]);
    if (v === '<future>') return String(Math.floor(Date.now() / 1000) + 3600);
    if (typeof v === 'object' && v !== null && 'json' in v) return (v as { json: string }).json;
    return JSON.stringify(v);
  };
  const claims = [
    ['iss', resolve(f.iss)], ['sub', resolve(f.sub)], ['aud', resolve(f.aud)], ['iat', String(Math.floor(Date.now() / 1000))], ['exp', resolve(f.exp)], ['scope', resolve(f.scope)],
    ...f.extra,
  ];
  const payload = `{${claims.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${rsaSign('sha256', Buffer.from(input), EXT_KEY).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Property 3: raw bytes over node:net (broken framing, bad request lines, odd bytes in headers)
// ---------------------------------------------------------------------------------------------------------

const WIRE_METHODS = ['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PRI', 'post', 'P OST', '', 'GET\t', 'ÄÖÜ', 'POST /oauth/token'];
const WIRE_TARGETS = ['*', '', 'http://dev.localhost/oauth/token', 'http://ext.localhost:1/userinfo', 'http://[::1/oauth/token', '//oauth/token', '/oauth/token#frag', '/oauth/to ken', '/oauth/token?\u0000', 'oauth/token', '/%', '/%00', '\u00ff\u00fe'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/1.', 'http/1.1', '', 'HTTP/1.1 x', 'HTTP/11', 'HTTP/0.9'];
const FRAMINGS = ['cl', 'cl', 'cl', 'chunked', 'chunked', 'none', 'cl-short', 'cl-long', 'cl-bogus', 'cl-dup', 'te-and-cl', 'chunked-bad', 'chunked-unterminated', 'te-other'] as const;
type Framing = (typeof FRAMINGS)[number];

const rawHeaderLine = fc.oneof(
  fc.tuple(fc.constantFrom(...JUNK_HEADER_NAMES, 'Authorization', 'Content-Type', 'Host', 'Expect', 'Connection', 'Upgrade', 'Transfer-Encoding'), headerValue(50)).map(([k, v]) => Buffer.from(`${k}: ${v}`, 'latin1')),
  fc.constantFrom('No-Colon', ': empty-name', 'Bad Name: x', 'X-Null: a\u0000b', 'X-DEL: \u007f', 'X-CR: a\rb', ' folded-continuation', '\tfolded', 'X-Empty:', 'Content-Type : application/json', 'X-Long-Name-' + 'n'.repeat(300) + ': v').map((s) => Buffer.from(s, 'latin1')),
  fc.tuple(fc.constantFrom('Authorization: Bearer ', 'X-Bytes: ', 'Content-Type: application/json; x='), fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([p, b]) =>
    Buffer.concat([Buffer.from(p, 'latin1'), Buffer.from(b.map((x) => (x === 10 || x === 13 ? 0x41 : x)))]),
  ),
);

interface WireCase {
  bytes: Buffer;
  /** Where to cut the bytes into separate writes. */
  cuts: number[];
  /** The request methods in order (a HEAD answer has no body). */
  methods: string[];
  /** The request targets in order (the Management API has its own error shape). */
  targets: string[];
  /** After writing: wait for the answer, half-close at once, or reset the connection. */
  finish: 'wait' | 'half-close' | 'destroy';
  /** Whether the server has all it needs to answer (else it waits for more bytes, and we half-close). */
  complete: boolean;
  /** Answers to wait for before hanging up (keep-alive and pipelining). */
  expected: number;
}

const wireCase: fc.Arbitrary<WireCase> = fc
  .record({
    method: fc.oneof({ arbitrary: fc.constantFrom(...WIRE_METHODS), weight: 9 }, { arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/), weight: 1 }),
    target: fc.oneof({ arbitrary: pathArb, weight: 9 }, { arbitrary: fc.constantFrom(...WIRE_TARGETS), weight: 2 }, { arbitrary: fc.constant('/oauth/token?' + 'q'.repeat(20_000)), weight: 1 }),
    version: fc.constantFrom(...VERSIONS),
    eol: fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\r\n', '\n'),
    host: fc.oneof({ arbitrary: fc.constant('127.0.0.1'), weight: 4 }, hostArb.map((h) => h ?? 'localhost')),
    contentType: fc.oneof(contentTypeArb, fc.constant('<natural>')),
    authorization: authorizationArb,
    lines: fc.array(rawHeaderLine, { maxLength: 4 }),
    huge: rarely(fc.constantFrom(10_000, 16_500, 17_000, 40_000, 70_000), 12),
    body: bodyArb,
    framing: fc.constantFrom(...FRAMINGS),
    connection: fc.constantFrom('close', 'close', 'keep-alive', undefined, 'Upgrade'),
    expectContinue: fc.nat(6).map((n) => n === 0),
    pipeline: fc.nat(3).map((n) => n === 0),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
    finish: fc.constantFrom<WireCase['finish']>('wait', 'wait', 'wait', 'wait', 'wait', 'wait', 'half-close', 'destroy'),
  })
  .map((r): WireCase => {
    const eol = r.eol;
    const body = r.body.bytes ?? Buffer.alloc(0);
    const lines: Buffer[] = [Buffer.from(`${r.method} ${r.target}${r.version ? ` ${r.version}` : ''}`, 'latin1')];
    if (r.host !== MISSING) lines.push(Buffer.from(`Host: ${r.host}`, 'latin1'));
    const type = r.contentType === '<natural>' ? r.body.natural : r.contentType;
    if (type !== undefined) lines.push(Buffer.from(`Content-Type: ${type}`, 'latin1'));
    if (r.authorization !== undefined) lines.push(Buffer.from(`Authorization: ${r.authorization}`, 'latin1'));
    if (r.connection !== undefined) lines.push(Buffer.from(`Connection: ${r.connection}`));
    if (r.connection === 'Upgrade') lines.push(Buffer.from('Upgrade: websocket'));
    if (r.expectContinue) lines.push(Buffer.from('Expect: 100-continue'));
    lines.push(...r.lines);
    if (r.huge !== null) lines.push(Buffer.from(`X-Huge: ${'h'.repeat(r.huge)}`));
    let payload: Buffer = Buffer.alloc(0);
    // Node stops parsing after the head of an Upgrade request: a body is never read, an answer may never come.
    let complete = r.connection !== 'Upgrade';
    const framing: Framing = r.body.bytes === null && (r.framing === 'cl' || r.framing === 'chunked') ? 'none' : r.framing;
    const chunk = (b: Buffer) => (b.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]));
    switch (framing) {
      case 'none':
        break;
      case 'cl':
        lines.push(Buffer.from(`Content-Length: ${body.length}`));
        payload = body;
        break;
      case 'cl-short':
        lines.push(Buffer.from(`Content-Length: ${body.length + 1 + (body.length % 50)}`));
        payload = body;
        complete = false;
        break;
      case 'cl-long':
        lines.push(Buffer.from(`Content-Length: ${Math.floor(body.length / 2)}`));
        payload = body;
        break;
      case 'cl-bogus':
        lines.push(Buffer.from(`Content-Length: ${['-1', '1e3', ' 0x10', 'abc', '99999999999999999999999', '1 1', '+5', ''][body.length % 8]}`));
        payload = body;
        break;
      case 'cl-dup':
        lines.push(Buffer.from(`Content-Length: ${body.length}`), Buffer.from(`Content-Length: ${body.length + 1}`));
        payload = body;
        break;
      case 'te-and-cl':
        lines.push(Buffer.from(`Content-Length: ${body.length}`), Buffer.from('Transfer-Encoding: chunked'));
        payload = Buffer.concat([chunk(body), Buffer.from('0\r\n\r\n')]);
        break;
      case 'te-other':
        lines.push(Buffer.from(`Transfer-Encoding: ${['gzip', 'chunked, gzip', 'identity', 'xchunked', 'chunked;q=1'][body.length % 5]}`));
        payload = body;
        break;
      case 'chunked': {
        lines.push(Buffer.from('Transfer-Encoding: chunked'));
        const half = Math.floor(body.length / 2);
        payload = Buffer.concat([chunk(body.subarray(0, half)), chunk(body.subarray(half)), Buffer.from('0\r\n\r\n')]);
        break;
      }
      case 'chunked-bad':
        lines.push(Buffer.from('Transfer-Encoding: chunked'));
        payload = Buffer.concat([Buffer.from(`${['zz', '-1', 'ffffffffffffffffff', `${body.length.toString(16)};${'e'.repeat(20_000)}`, ' 5', '5\n'][body.length % 6]}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
        break;
      case 'chunked-unterminated':
        lines.push(Buffer.from('Transfer-Encoding: chunked'));
        payload = chunk(body);
        complete = false;
        break;
    }
    const eolBuf = Buffer.from(eol);
    const head = Buffer.concat([...lines.flatMap((l) => [l, eolBuf]), eolBuf]);
    const methods = [r.method];
    const targets = [r.target];
    let bytes = Buffer.concat([head, payload]);
    const keepAlive = r.connection !== 'close' && r.version !== 'HTTP/1.0';
    if (r.pipeline && complete) {
      bytes = Buffer.concat([bytes, Buffer.from('GET /.well-known/jwks.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')]);
      methods.push('GET');
      targets.push('/.well-known/jwks.json');
    }
    const cuts = [...new Set(r.cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    return { bytes, cuts, methods, targets, finish: r.finish, complete, expected: r.pipeline && complete && keepAlive ? 2 : 1 };
  });

function describeWire(c: WireCase): string {
  const shown = c.bytes.length > 2000 ? Buffer.concat([c.bytes.subarray(0, 1000), Buffer.from(`…<${c.bytes.length} bytes in all>…`), c.bytes.subarray(-300)]) : c.bytes;
  return JSON.stringify({ finish: c.finish, cuts: c.cuts, bytesLatin1: shown.toString('latin1'), ...(c.bytes.length <= 2000 ? { bytesBase64: c.bytes.toString('base64') } : {}) });
}

interface ParsedAnswer extends Answer {
  complete: boolean;
}

/** Splits raw response bytes into answers (skipping 1xx); returns what it could not parse. */
function parseAnswers(buf: Buffer, methods: string[], eof: boolean): { answers: ParsedAnswer[]; garbage?: string } {
  const answers: ParsedAnswer[] = [];
  let off = 0;
  let index = 0;
  while (off < buf.length) {
    const end = buf.indexOf('\r\n\r\n', off);
    if (end < 0) return { answers, ...(eof ? { garbage: `an incomplete head: ${JSON.stringify(buf.subarray(off, off + 200).toString('latin1'))}` } : {}) };
    const lines = buf.subarray(off, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) return { answers, garbage: `not a status line: ${JSON.stringify((lines[0] ?? '').slice(0, 200))}` };
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let p = end + 4;
    if (status < 200) {
      off = p;
      continue;
    }
    const method = methods[index++] ?? 'GET';
    if (method.toUpperCase() === 'HEAD' || status === 204 || status === 304) {
      answers.push({ status, headers, body: Buffer.alloc(0), complete: true });
      off = p;
      continue;
    }
    if ((headers['content-type'] ?? '').startsWith('text/event-stream')) {
      answers.push({ status, headers, body: Buffer.alloc(0), complete: true, streaming: true });
      return { answers };
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      let done = false;
      while (p < buf.length) {
        const lineEnd = buf.indexOf('\r\n', p);
        if (lineEnd < 0) break;
        const size = parseInt(buf.subarray(p, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) return { answers, garbage: 'a bad chunk size in an answer' };
        if (size === 0) {
          const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd);
          if (trailerEnd < 0 && buf.indexOf('\r\n', lineEnd + 2) !== lineEnd + 2) break;
          p = lineEnd + 4;
          done = true;
          break;
        }
        if (lineEnd + 2 + size + 2 > buf.length) break;
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      answers.push({ status, headers, body: Buffer.concat(parts), complete: done });
      if (!done) return { answers };
      off = p;
      continue;
    }
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      const complete = buf.length - p >= n;
      answers.push({ status, headers, body: buf.subarray(p, Math.min(buf.length, p + n)), complete });
      off = p + n;
      if (!complete) return { answers };
      continue;
    }
    answers.push({ status, headers, body: buf.subarray(p), complete: eof });
    return { answers };
  }
  return { answers };
}

interface WireOutcome {
  answers: ParsedAnswer[];
  garbage?: string;
  hung?: string;
}

function sendWire(c: WireCase): Promise<WireOutcome> {
  stats.wireConnections++;
  stats.wireRequests += c.methods.length;
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const received: Buffer[] = [];
    let idle: NodeJS.Timeout | undefined;
    let hard: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (extra: Partial<WireOutcome> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(hard);
      socket.destroy();
      resolve({ ...parseAnswers(Buffer.concat(received), c.methods, true), ...extra });
    };
    const hangUp = () => {
      if (socket.destroyed || settled) return;
      socket.end();
      // After our FIN the server must close the connection too.
      hard = setTimeout(() => finish({ hung: 'the server kept the connection open 5 s after the client closed its side' }), 5_000);
    };
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(hangUp, c.complete ? 1_500 : 30);
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      const { answers } = parseAnswers(Buffer.concat(received), c.methods, false);
      if (answers.filter((a) => a.complete).length >= c.expected) finish();
      else if (!hard) armIdle();
    });
    socket.on('error', () => {});
    socket.on('close', () => finish());
    socket.on('connect', async () => {
      let from = 0;
      for (const cut of [...c.cuts, c.bytes.length]) {
        if (socket.destroyed) return;
        socket.write(c.bytes.subarray(from, cut));
        from = cut;
        await new Promise((r) => setImmediate(r));
      }
      if (c.finish === 'destroy') return finish();
      if (c.finish === 'half-close') return hangUp();
      armIdle();
    });
  });
}

function checkWire(c: WireCase, outcome: WireOutcome): void {
  const describeIt = () => describeWire(c);
  if (outcome.hung) throw new Error(`${outcome.hung}\n  request ${describeIt()}`);
  if (outcome.garbage && c.finish !== 'destroy') throw new Error(`an unparseable answer: ${outcome.garbage}\n  request ${describeIt()}`);
  if (outcome.answers.length === 0) stats.noAnswer++;
  for (const [i, answer] of outcome.answers.entries()) {
    if (!answer.complete && !answer.streaming) {
      // Cut off because we hung up or reset mid-answer: only acceptable if we did.
      if (c.finish === 'wait' && c.complete) throw new Error(`an answer cut short (status ${answer.status})\n  request ${describeIt()}`);
      continue;
    }
    assertAnswer(c.methods[i] ?? 'GET', c.targets[i] ?? '/', answer, describeIt);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Predictions: the answers the generators know, from the example tenant's config (read at the top of this file)
// ---------------------------------------------------------------------------------------------------------

type Route = 'root' | 'dev' | 'ext' | 'ext-host';
const ISSUED = { status: 200, json: expect.objectContaining({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) }) };
const serviceNotFound = (audience: string): Prediction => ({ label: 'deep: service not found', status: 403, json: { error: 'access_denied', error_description: `Service not found: ${audience}` } });

/**
 * The answer to a near-valid request that nothing odd was done to (no swapped parameter, no Basic header),
 * except refresh-token exchanges, whose answer depends on what ran before (a revoke, a reset).
 */
function predictDeep(route: Route, endpoint: string, p: NearValid, basic: string | null, token: string): Prediction | undefined {
  if (p.mutations.length > 0 || basic !== null) return undefined;
  if (p.client === 'none') return { label: 'deep: missing client_id', status: 400, json: { error: 'invalid_request', error_description: 'Missing required parameter: client_id' } };
  if (endpoint === '/oauth/revoke') {
    // 200 with no body whether or not the token exists (reference §12); an empty one is a missing one.
    if (token === '') return { label: 'deep: missing token', status: 400, json: { error: 'invalid_request', error_description: 'Missing required parameter: token' } };
    return { label: 'deep: revoke accepted', status: 200, text: '' };
  }
  if (p.grant === 'refresh_token') return undefined;
  if (p.client === 'spa' && p.grant !== 'password') {
    return {
      label: 'deep: grant not allowed',
      status: 403,
      json: { error: 'unauthorized_client', error_description: `Grant type '${p.grant}' not allowed for the client.`, error_uri: 'https://auth0.com/docs/clients/client-grant-types' },
    };
  }
  const ext = route === 'ext' || route === 'ext-host';
  const audience = p.audience === '<management>' ? tokens.managementAudience : p.audience;
  if (p.grant === 'client_credentials') {
    if (audience === undefined) return undefined;
    // The Management API is `<issuer>api/v2/`: only the root URL's issuer matches this audience.
    if (audience !== API && !(ext && audience === HS_API) && !(route === 'root' && audience === tokens.managementAudience)) return serviceNotFound(audience);
    // Asked scopes must be within the client grant's: only "none asked" is always granted.
    return p.scope === undefined ? { label: 'deep: token issued', ...ISSUED } : undefined;
  }
  // The password grants. User flows never get Management API tokens.
  if (audience !== undefined && audience !== API && !(ext && audience === HS_API)) return serviceNotFound(audience);
  // grant_type=password logs in to the default directory, where the `employees` realm's user does not exist.
  if (p.grant === 'password' && p.realm === 'employees') return { label: 'deep: wrong email or password', status: 403, json: { error: 'invalid_grant', error_description: 'Wrong email or password.' } };
  return { label: 'deep: token issued', ...ISSUED };
}

/** Management API routes and the methods they take: a known route with a known method authenticates first. */
const MANAGEMENT_METHODS: Record<string, string[]> = {
  '/users': ['GET', 'POST'],
  '/users-by-email': ['GET'],
  '/clients': ['GET'],
  '/client-grants': ['GET', 'POST'],
  '/client-grants/cgr_0123456789abcdef': ['DELETE'],
};

/** Without a valid token every known Management API call is a 401; an unknown path is a 404 whatever the token. */
function predictManagement(method: string, route: string, query: string, token: 'own' | 'other' | 'access' | 'none', prefix: string): Prediction | undefined {
  if (route === '/nope' || route === '') {
    return { label: 'management: unknown path', status: 404, json: { statusCode: 404, error: 'Not Found', message: `Not found: ${method} /api/v2${route}` } }; // emulator's wording (NOTE(emulator) in src/http/unmatched.ts)
  }
  if (!MANAGEMENT_METHODS[route]?.includes(method)) return undefined;
  if (token === 'none') return { label: 'management: no token', status: 401, json: { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' } };
  // The root tenant's own user token is signed right but names another audience: Auth0's "Bad audience: <aud>".
  if (token === 'access' && prefix === '') {
    const aud = decode(tokens.access[0]!).aud as string[];
    return { label: 'management: foreign token', status: 401, json: { statusCode: 401, error: 'Unauthorized', message: `Bad audience: ${aud.join(' ')}` } };
  }
  if (token !== 'own') return { label: 'management: foreign token', status: 401, json: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' } };
  if (method === 'GET' && query === '' && route !== '/users-by-email') return { label: `management: listed ${prefix || '/'}`, status: 200, json: expect.any(Array) };
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------------

describe('fuzzing every endpoint', () => {
  it('structured requests (node:http, several at once): no 5xx, Auth0-shaped errors, no stacks, no pollution', async () => {
    await runProperty(
      'structured',
      fc.asyncProperty(fc.array(httpCase, { minLength: 1, maxLength: 8 }), async (cases) => {
        forgetUnexpected();
        const outcomes = await Promise.all(cases.map(sendHttp));
        for (const [i, c] of cases.entries()) await checkHttp(c, outcomes[i]!);
        assertNothingUnexpected(() => cases.map(describeHttp).join('\n  '));
      }),
      RUNS * 1.5,
    );
  }, timeoutFor('structured'));

  it('near-valid token and revoke requests, deep into the grants and the extension sandbox', async () => {
    const deepCase = fc
      .record({
        route: fc.constantFrom<Route>('root', 'dev', 'ext', 'ext', 'ext-host'),
        endpoint: fc.constantFrom('/oauth/token', '/oauth/token', '/oauth/token', '/oauth/revoke'),
        json: fc.boolean(),
        request: nearValidRequest,
        token: refreshArb,
        basic: rarely(fc.constantFrom(`Basic ${b64('trusted-app:trusted-app-secret')}`, `Basic ${b64('spa:')}`, `Basic ${b64('trusted-app:wrong')}`), 6),
      })
      .map((r): HttpCase => {
        const entries = r.endpoint === '/oauth/revoke' ? [...r.request.entries, ['token', r.token] as [string, string]] : r.request.entries;
        const prefix = r.route === 'dev' ? '/dev' : r.route === 'ext' ? '/ext' : '';
        const headers: [string, string][] = [['Content-Type', r.json ? 'application/json' : 'application/x-www-form-urlencoded']];
        if (r.basic !== null) headers.push(['Authorization', r.basic]);
        const expected = predictDeep(r.route, r.endpoint, r.request, r.basic, r.token);
        return {
          method: 'POST',
          path: `${prefix}${r.endpoint}`,
          host: r.route === 'ext-host' ? `ext.localhost:${port}` : undefined,
          headers,
          body: Buffer.from(r.json ? asJson(entries) : asForm(entries)),
          chunked: false,
          mayReset: false,
          ...(expected ? { expect: expected } : {}),
        };
      });
    await resetEmulator();
    const sentBefore = stats.httpRequests;
    await runProperty(
      'deep',
      fc.asyncProperty(fc.array(deepCase, { minLength: 1, maxLength: 8 }), async (cases) => {
        forgetUnexpected();
        const outcomes = await Promise.all(cases.map(sendHttp));
        for (const [i, c] of cases.entries()) await checkHttp(c, outcomes[i]!);
        assertNothingUnexpected(() => cases.map(describeHttp).join('\n  '));
      }),
      RUNS / 2,
    );
    const sent = stats.httpRequests - sentBefore;
    // Shares measured over runs of 1000 (token issued about 0.027, service not found 0.06, …), rounded down.
    expectPredicted(sent, {
      'deep: token issued': 0.022,
      'deep: service not found': 0.05,
      'deep: wrong email or password': 0.009,
      'deep: missing client_id': 0.055,
      'deep: grant not allowed': 0.016,
      'deep: revoke accepted': 0.04,
    });
  }, timeoutFor('deep'));

  it('parameter pollution: prototype names as every key and value, in JSON, forms, queries and headers', async () => {
    const protoValue = fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.constantFrom('{"x":1}', '[1]', '1'));
    const pollutionCase = fc
      .record({
        keys: fc.subarray([...PARAM_NAMES, ...PROTO_NAMES, '__proto__[x]', 'constructor[prototype][x]'], { minLength: 1 }),
        values: fc.array(protoValue, { minLength: 1, maxLength: 12 }),
        json: fc.boolean(),
        prefix: fc.constantFrom('', '/ext', '/__proto__', '/constructor', '/toString'),
        host: fc.constantFrom(undefined, '__proto__.localhost', 'constructor.localhost', 'toString.localhost', 'ext.localhost'),
        endpoint: fc.constantFrom('/oauth/token', '/oauth/revoke', '/userinfo'),
        query: fc.constantFrom('', '?__proto__[x]=1', '?constructor[prototype][x]=1', '?__proto__=1&constructor=2'),
        basic: rarely(fc.tuple(fc.constantFrom(...PROTO_NAMES), fc.constantFrom(...PROTO_NAMES)), 3),
      })
      .map((r): HttpCase => {
        const entries = r.keys.map((k, i): [string, string] => [k, r.values[i % r.values.length]!]);
        const body = r.json
          ? `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${/^[[{1]/.test(v) ? v : JSON.stringify(v)}`).join(',')}}`
          : entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const headers: [string, string][] = [['Content-Type', r.json ? 'application/json' : 'application/x-www-form-urlencoded']];
        if (r.basic) headers.push(['Authorization', `Basic ${b64(`${r.basic[0]}:${r.basic[1]}`)}`]);
        // A prototype name is no tenant: the path is unknown to the tenant that answers. Elsewhere no credential
        // or token is valid (every value is a prototype name or a JSON fragment), so nothing may succeed.
        const expected: Prediction = ['', '/ext'].includes(r.prefix)
          ? { label: 'pollution: refused', status: 'refused' }
          : { label: 'pollution: unknown path', status: 404, json: { error: 'not_found', error_description: `Not found: POST ${r.prefix}${r.endpoint}` } }; // emulator's wording (NOTE(emulator) in src/http/unmatched.ts)
        return { method: 'POST', path: `${r.prefix}${r.endpoint}${r.query}`, host: r.host, headers, body: Buffer.from(body), chunked: false, mayReset: false, expect: expected };
      });
    const sentBefore = stats.httpRequests;
    await runProperty(
      'pollution',
      fc.asyncProperty(fc.array(pollutionCase, { minLength: 1, maxLength: 6 }), async (cases) => {
        forgetUnexpected();
        const outcomes = await Promise.all(cases.map(sendHttp));
        for (const [i, c] of cases.entries()) await checkHttp(c, outcomes[i]!);
        assertNothingUnexpected(() => cases.map(describeHttp).join('\n  '));
      }),
      RUNS / 2,
    );
    const sent = stats.httpRequests - sentBefore;
    expectPredicted(sent, { 'pollution: refused': 0.35, 'pollution: unknown path': 0.5 });
  }, timeoutFor('pollution'));

  it('forged, validly signed access tokens at /userinfo', async () => {
    const issuers = { path: `${t.url}/ext/`, host: `http://ext.localhost:${port}/` };
    await resetEmulator();
    const sentBefore = stats.httpRequests;
    await runProperty(
      'signed forgeries',
      fc.asyncProperty(fc.array(forgedCase, { minLength: 1, maxLength: 6 }), async (forged) => {
        forgetUnexpected();
        const cases = forged.map((f): HttpCase => {
          const issuer = f.route === 'path' ? issuers.path : issuers.host;
          const expected = predictForged(f);
          return {
            method: f.method,
            path: f.route === 'path' ? '/ext/userinfo' : '/userinfo',
            host: f.route === 'path' ? undefined : `ext.localhost:${port}`,
            headers: [['Authorization', `${f.scheme}${forge(f, issuer)}`]],
            body: null,
            chunked: false,
            mayReset: false,
            ...(expected ? { expect: expected } : {}),
          };
        });
        const outcomes = await Promise.all(cases.map(sendHttp));
        for (const [i, c] of cases.entries()) await checkHttp(c, outcomes[i]!);
        assertNothingUnexpected(() => cases.map(describeHttp).join('\n  '));
      }),
      RUNS / 4,
    );
    const sent = stats.httpRequests - sentBefore;
    expectPredicted(sent, { 'signed forgeries: bad header': 0.6, 'signed forgeries: accepted': 0.01 });
  }, timeoutFor('signed forgeries'));

  it('raw bytes on the wire (node:net): broken framing, truncation, resets, pipelining, huge heads', async () => {
    await runProperty(
      'wire',
      fc.asyncProperty(fc.array(wireCase, { minLength: 1, maxLength: 8 }), async (cases) => {
        forgetUnexpected();
        const outcomes = await Promise.all(cases.map(sendWire));
        for (const [i, c] of cases.entries()) checkWire(c, outcomes[i]!);
        assertNothingUnexpected(() => cases.map(describeWire).join('\n  '));
      }),
      RUNS,
    );
  }, timeoutFor('wire'));

  it('the control plane (/__emulator/…): odd methods, bodies and values for every route', async () => {
    const route = fc.oneof(
      fc.constantFrom('/reset', '/users', '/users', '/clock', '/clock', '/clock', '/journal', '/tokens', '/tokens', '/tokens', '/nope', '', '/'),
      fc.tuple(fc.oneof(fc.nat().map((i) => tokens.userIds[i % tokens.userIds.length] ?? 'x'), fc.constantFrom('auth0|nope', '__proto__', 'constructor', '%zz', '..')), fc.constantFrom('', '/block', '/unblock', '/nope')).map(
        ([id, rest]) => `/users/${encodeURIComponent(id).replace(/%25zz/, '%zz')}${rest}`,
      ),
    );
    const controlCase = fc
      .record({
        method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'),
        route,
        query: fc.constantFrom('', '', '?tenant=ext', '?tenant=dev', '?tenant=nope', '?tenant=__proto__', '?tenant[]=ext'),
        json: fc.nat(7).map((n) => n !== 0),
      })
      .chain((r) =>
        fc
          .oneof({ arbitrary: controlBodyFor(r.route).map((s) => Buffer.from(s)), weight: 5 }, { arbitrary: bodyArb.map((b) => b.bytes), weight: 1 })
          .map((body) => ({ ...r, body })),
      )
      .map((r): HttpCase => {
        // Routes that read neither the body nor the query (the journal has no filter) answer the same to all.
        const expected: Prediction | undefined =
          r.method === 'GET' && r.route === '/journal'
            ? { label: 'control plane: journal', status: 200, json: expect.any(Array) }
            : r.method === 'GET' && r.route === '/clock'
              ? { label: 'control plane: clock', status: 200, json: { now: expect.any(String), frozen: expect.any(Boolean) } }
              : r.method === 'POST' && r.route === '/reset'
                ? { label: 'control plane: reset', status: 204, text: '' }
                : r.route === '/nope' && r.method !== 'HEAD'
                  ? { label: 'control plane: unknown path', status: 404, json: { error: 'not_found', error_description: `Not found: ${r.method} /__emulator/nope` } }
                  : undefined;
        return {
          method: r.method,
          path: `/__emulator${r.route}${r.query}`,
          host: undefined,
          headers: r.json ? [['Content-Type', 'application/json']] : [['Content-Type', 'text/plain']],
          body: r.body,
          chunked: false,
          mayReset: false,
          ...(expected ? { expect: expected } : {}),
        };
      });
    const sentBefore = stats.httpRequests;
    try {
      await runProperty(
        'control plane',
        fc.asyncProperty(fc.array(controlCase, { minLength: 1, maxLength: 4 }), async (cases) => {
          forgetUnexpected();
          try {
            // One at a time (the clock and the users are shared state), so a failure names its own request.
            for (const c of cases) {
              await checkHttp(c, await sendHttp(c));
              assertNothingUnexpected(() => describeHttp(c));
            }
          } finally {
            await fetch(`${t.url}/__emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reset":true}' });
          }
        }),
        RUNS / 4,
      );
    } finally {
      await fetch(`${t.url}/__emulator/reset`, { method: 'POST' });
    }
    const sent = stats.httpRequests - sentBefore;
    expectPredicted(sent, { 'control plane: clock': 0.009, 'control plane: reset': 0.01, 'control plane: unknown path': 0.025 });
  }, timeoutFor('control plane'));

  it('the Management API (/api/v2/…) with valid, foreign and no tokens', async () => {
    const managementCase = fc
      .record({
        method: fc.constantFrom('GET', 'GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        route: fc.oneof(
          fc.constantFrom('/users', '/users', '/users-by-email', '/clients', '/client-grants', '/client-grants/cgr_0123456789abcdef', '', '/nope', '/users/'),
          fc.oneof(fc.nat().map((i) => tokens.userIds[i % tokens.userIds.length] ?? 'x'), stringValue).map((id) => `/users/${encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '?'))}`),
        ),
        query: fc.oneof(fc.constantFrom('', ...MANAGEMENT_QUERIES), queryString),
        tenant: fc.constantFrom('root', 'ext'),
        token: fc.constantFrom('own', 'own', 'own', 'other', 'access', 'none'),
        body: fc.oneof({ arbitrary: controlBody, weight: 3 }, { arbitrary: jsonObjectText, weight: 1 }, { arbitrary: jsonText, weight: 1 }),
      })
      .map((r): HttpCase => {
        const own = tokens.management[r.tenant === 'root' ? 0 : 1] ?? '';
        const other = tokens.management[r.tenant === 'root' ? 1 : 0] ?? '';
        const bearer = { own, other, access: tokens.access[0] ?? '', none: undefined }[r.token];
        const headers: [string, string][] = [['Content-Type', 'application/json']];
        if (bearer !== undefined) headers.push(['Authorization', `Bearer ${bearer}`]);
        const write = r.method !== 'GET' && r.method !== 'DELETE';
        const prefix = r.tenant === 'ext' ? '/ext' : '';
        const expected = predictManagement(r.method, r.route, r.query, r.token, prefix);
        return {
          method: r.method,
          path: `${prefix}/api/v2${r.route}${r.query}`,
          host: undefined,
          headers,
          body: write ? Buffer.from(r.body) : null,
          chunked: false,
          mayReset: false,
          ...(expected ? { expect: expected } : {}),
        };
      });
    await resetEmulator();
    const sentBefore = stats.httpRequests;
    try {
      await runProperty(
        'management api',
        fc.asyncProperty(fc.array(managementCase, { minLength: 1, maxLength: 6 }), async (cases) => {
          forgetUnexpected();
          const outcomes = await Promise.all(cases.map(sendHttp));
          for (const [i, c] of cases.entries()) await checkHttp(c, outcomes[i]!);
          assertNothingUnexpected(() => cases.map(describeHttp).join('\n  '));
        }),
        RUNS / 4,
      );
    } finally {
      await fetch(`${t.url}/__emulator/reset`, { method: 'POST' });
    }
    const sent = stats.httpRequests - sentBefore;
    expectPredicted(sent, {
      'management: no token': 0.018,
      'management: foreign token': 0.04,
      'management: unknown path': 0.08,
      'management: listed /': 0.005,
      'management: listed /ext': 0.005,
    });
  }, timeoutFor('management api'));

  it('a burst: 200 connections left mid-request and 50 log followers, while normal logins are served', async () => {
    const partial = [
      'POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"grant_type":',
      'GET /userinfo HTTP/1.1\r\nHost: localhost\r\nAuthoriz',
      'POST /ext/oauth/token HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n5\r\ngrant',
      'G',
    ];
    const sockets = await Promise.all(
      Array.from({ length: 200 }, (_, i) => new Promise<net.Socket>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(partial[i % partial.length]!);
          resolve(socket);
        });
        socket.on('error', () => {});
      })),
    );
    stats.wireConnections += sockets.length;
    stats.wireRequests += sockets.length;
    const followers = await Promise.all(
      Array.from({ length: 50 }, () => new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/__emulator/logs?tenant=ext', agent: false }, resolve).on('error', reject);
      })),
    );
    stats.httpRequests += followers.length;
    for (const res of followers) expect(res.statusCode).toBe(200);
    const heard = new Promise<string>((resolve) => {
      let text = '';
      followers[0]!.on('data', (d: Buffer) => {
        text += d.toString('utf8');
        if (text.includes('data: ')) resolve(text);
      });
    });
    const logins = await Promise.all(
      ['', '/ext', '/dev', '/ext'].map((prefix) =>
        fetch(`${t.url}${prefix}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...TRUSTED, grant_type: 'password', username: 'user@example.com', password: 'pwd', scope: 'openid' }),
        }),
      ),
    );
    stats.httpRequests += logins.length;
    for (const res of logins) expect(res.status).toBe(200);
    expect(await heard).toMatch(/data: \{.*"tenant":"ext"/);
    for (const socket of sockets) socket.destroy();
    for (const res of followers) res.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assertNothingUnexpected(() => '200 connections left mid-request, then reset; 50 log followers, then disconnected');
  });

  it('afterwards: still serving, nothing unexpected, no pollution, memory back near the start', async () => {
    const elapsed = (performance.now() - started) / 1000;
    // Normal requests still work, over a fresh connection (after undoing whatever the control plane and
    // Management API cases changed: users, client grants, the clock).
    agent.destroy();
    agent = new http.Agent({ keepAlive: false });
    expect((await fetch(`${t.url}/__emulator/reset`, { method: 'POST' })).status).toBe(204);
    const login = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...TRUSTED, grant_type: 'password', username: 'user@example.com', password: 'pwd', scope: 'openid profile' }),
    });
    expect(login.status).toBe(200);
    const { access_token: accessToken } = (await login.json()) as { access_token: string };
    const me = await fetch(`${t.url}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { sub: string }).sub).toMatch(/^auth0\|/);
    const ext = await fetch(`${t.url}/ext/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...TRUSTED, grant_type: 'client_credentials', audience: API }).toString(),
    });
    expect(ext.status).toBe(200);
    assertNothingUnexpected(() => 'the final checks');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(protoSnapshot()).toBe(protoNamesBefore);

    // Let closed sockets and finished requests go, then measure.
    await new Promise((r) => setTimeout(r, 200));
    await collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    const rssAfter = process.memoryUsage().rss;
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    const statuses = [...stats.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(
      [
        `fuzz: FUZZ_RUNS=${RUNS}${SEED === undefined ? '' : ` FUZZ_SEED=${SEED}`}; ${stats.httpRequests} HTTP requests + ${stats.wireRequests} raw requests on ${stats.wireConnections} connections = ${stats.httpRequests + stats.wireRequests} in ${elapsed.toFixed(1)} s`,
        `fuzz: answers by status: ${statuses}; ${stats.tokensIssued} token responses, ${stats.profilesServed} /userinfo profiles; ${stats.noAnswer} without an answer (resets and truncations we caused)`,
        `fuzz: predicted and met: ${[...predicted].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label} ×${n}`).join(', ')}`,
        `fuzz: cases per property: ${summary()}`,
        `fuzz: heap ${mb(heapBefore)} → ${mb(heapAfter)} (${(globalThis as { gc?: unknown }).gc ? 'after gc' : 'no --expose-gc'}); rss ${mb(rssBefore)} → ${mb(rssAfter)}`,
      ].join('\n'),
    );
    expect(heapAfter).toBeLessThan(heapBefore + 50 * 1024 * 1024);
  });
});
