/**
 * Fuzzes the browser login end to end: near-valid /authorize requests (GET and POST) with odd values swapped in
 * for any parameter, then, where the answer is the login page, the page and its form with odd values (a right
 * password, a wrong one, a "continue as", garbage), then the resume step, and /continue where an Action sent
 * the browser away; plus stray requests at /u/login, /authorize/resume and /continue with made-up states.
 *
 * Every answer must be one the browser login gives: a redirect with a Location; the login page, the form_post
 * page or the web_message page, with whatever the request carried escaped (no markup of its own); Auth0's error
 * page at 400; never a 5xx or a stack trace, and nothing may reach the emulator's onError. Where the generator
 * knows the answer (an unmutated request goes to the login page; a right password goes on to the resume step;
 * the resume step answers the callback) it must be that one, often enough (see endpoints.fuzz.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startEmulator, type TestEmulator } from '../helpers.js';
import { browserTenant, SPA_ORIGIN, WEB_CALLBACK, API_ID } from '../browser-login/setup.js';
import { RUNS, runProperty, summary, timeoutFor } from './budget.js';

let t: TestEmulator;
const unexpected: unknown[] = [];
const predicted = new Map<string, number>();
let cases = 0;
let requests = 0;

beforeAll(async () => {
  t = await startEmulator({
    config: { tenants: [browserTenant({ actions: { 'post-login': [fixture('browser/action-consent-redirect.js'), fixture('browser/action-deny.js')] } })] },
    onError: (err) => unexpected.push(err),
  });
});
afterAll(() => t?.close());

// ---------------------------------------------------------------------------------------------------------
// Requests, with the cookies a browser keeps
// ---------------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

class Jar {
  cookies = new Map<string, string>();
  keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function send(jar: Jar, method: 'GET' | 'POST', url: string, form?: string): Promise<Answer> {
  requests++;
  const headers: Record<string, string> = { cookie: jar.header };
  if (form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url.startsWith('http') ? url : `${t.url}${url}`, { method, headers, redirect: 'manual', ...(form === undefined ? {} : { body: form }) });
  jar.keep(res);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

// ---------------------------------------------------------------------------------------------------------
// What every answer must look like
// ---------------------------------------------------------------------------------------------------------

const STACK = /\n\s+at |node:internal|node_modules|file:\/\//;
const CALLBACK_PARAMS = new Set(['code', 'state', 'error', 'error_description', 'access_token', 'id_token', 'token_type', 'expires_in', 'scope']);

/** Markup a request could have smuggled in, had anything gone out unescaped (escaped, `<` is `&lt;`). */
const MARKUP = /<(?:script|img|iframe|svg)\b|<\/script><script>/i;

/** Why a browser-login answer is wrong, or undefined. */
function problemWith(res: Answer): string | undefined {
  if (res.status >= 500) return `a ${res.status} answer`;
  if (STACK.test(res.text)) return 'a stack trace in the answer';
  const type = res.headers.get('content-type') ?? '';
  if (res.status === 302) {
    const location = res.headers.get('location');
    if (!location) return 'a redirect without Location';
    return undefined;
  }
  if (type !== 'text/html; charset=utf-8') return `a ${res.status} with content type ${type}`;
  if (res.headers.get('cache-control') !== 'no-store') return 'a page without Cache-Control: no-store';
  const text = res.text;
  if ((res.status === 400 || res.status === 405) && text.includes('<code id="error-details">')) return res.headers.get('x-frame-options') === 'deny' && !MARKUP.test(text) ? undefined : 'an error page with markup, or frameable';
  if (res.status === 400 || (res.status === 200 && text.includes('data-form-primary="true"'))) {
    if (res.headers.get('x-frame-options') !== 'deny') return 'a login page that can be framed';
    return MARKUP.test(text) ? `markup from the request in the login page: ${text.slice(0, 600)}` : undefined;
  }
  if (res.status === 200 && text.includes('<title>Submit This Form</title>')) {
    return MARKUP.test(text) ? `markup from the request in the form_post page: ${text.slice(0, 600)}` : undefined;
  }
  if (res.status === 200 && text.includes('<title>Authorization Response</title>')) {
    if (res.headers.get('x-frame-options')) return 'a web_message page that cannot be framed';
    return (text.match(/<script/g) ?? []).length === 1 && (text.match(/<\/script/g) ?? []).length === 1 ? undefined : `markup from the request in the web_message page: ${text.slice(0, 600)}`;
  }
  return `an unknown ${res.status} page: ${text.slice(0, 300)}`;
}

/** The parameters of a redirect to the app's callback must be the response's, nothing else. */
function callbackProblem(location: string): string | undefined {
  const url = new URL(location);
  const params = new URLSearchParams(url.hash ? url.hash.slice(1) : url.search);
  const stray = [...params.keys()].filter((k) => !CALLBACK_PARAMS.has(k) && !url.search.includes(`${k}=`));
  return stray.length > 0 ? `stray callback parameters: ${stray.join(', ')}` : undefined;
}

function check(res: Answer, what: () => string): void {
  const problem = problemWith(res) ?? (res.status === 302 && /^http:\/\/localhost:(3000|5173)\//.test(res.headers.get('location')!) ? callbackProblem(res.headers.get('location')!) : undefined);
  if (problem) throw new Error(`${problem}\n  status ${res.status}\n  location ${res.headers.get('location')}\n  body ${JSON.stringify(res.text.slice(0, 600))}\n  request ${what()}`);
  if (unexpected.length > 0) {
    const err = unexpected.splice(0)[0];
    throw new Error(`the emulator reported an unexpected error (a bug): ${err instanceof Error ? err.stack : String(err)}\n  request ${what()}`);
  }
}

function prediction(label: string, ok: boolean, what: () => string): void {
  if (!ok) throw new Error(`not the predicted answer (${label})\n  request ${what()}`);
  predicted.set(label, (predicted.get(label) ?? 0) + 1);
}

// ---------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------

const ODD = [
  '', ' ', '\u0000', '\ufeff', '😀', 'é', '%zz', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "';alert(1)//", '</script><script>alert(1)</script>', '\u2028',
  '__proto__', 'constructor', 'toString', 'a'.repeat(3000), 'none', 'login', 'none login', 'code', 'token', 'id_token', 'code id_token token', 'query', 'fragment', 'form_post', 'web_message',
  WEB_CALLBACK, `${WEB_CALLBACK}/`, `${WEB_CALLBACK}#x`, SPA_ORIGIN, 'javascript:alert(1)', 'http://evil.example/callback', 'web-app', 'spa', 'm2m', 'code-only', 'nope',
  API_ID, 'https://nope.example', 'openid', 'openid profile email offline_access', 'read:things', 'S256', 'plain', 'S512', '0', '-1', '1e99', '99999999999',
  'Username-Password-Authentication', 'employees', 'user@example.com', 'signup',
];
const oddValue = fc.oneof({ arbitrary: fc.constantFrom(...ODD), weight: 4 }, { arbitrary: fc.string({ maxLength: 30 }), weight: 2 }, { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 });
const PARAMS = ['client_id', 'response_type', 'response_mode', 'redirect_uri', 'scope', 'audience', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'max_age', 'login_hint', 'screen_hint', 'connection', 'ui_locales', 'auth0Client', '__proto__', 'x'];

const CLIENTS = [
  { client_id: 'web-app', redirect_uri: WEB_CALLBACK },
  { client_id: 'spa', redirect_uri: SPA_ORIGIN },
  { client_id: 'spa', redirect_uri: `${SPA_ORIGIN}/callback` },
];
const authorizeCase = fc.record({
  client: fc.constantFrom(...CLIENTS),
  responseType: fc.constantFrom('code', 'code', 'code', 'id_token', 'id_token token', 'token', 'code id_token', 'code id_token token'),
  responseMode: fc.constantFrom(undefined, undefined, 'query', 'fragment', 'form_post', 'web_message'),
  scope: fc.constantFrom(undefined, 'openid', 'openid profile email offline_access', 'openid read:things'),
  audience: fc.constantFrom(undefined, undefined, API_ID),
  state: fc.oneof(fc.constant(undefined), fc.constantFrom('s', 'a b&c', '<b>"x"</b>')),
  pkce: fc.boolean(),
  connection: fc.constantFrom(undefined, undefined, 'employees'),
  prompt: fc.constantFrom(undefined, undefined, undefined, 'login', 'none'),
  method: fc.constantFrom<'GET' | 'POST'>('GET', 'GET', 'GET', 'POST'),
  mutations: fc.oneof({ arbitrary: fc.constant<[string, string][]>([]), weight: 1 }, { arbitrary: fc.array(fc.tuple(fc.constantFrom(...PARAMS), oddValue), { minLength: 1, maxLength: 3 }), weight: 1 }),
  login: fc.constantFrom('right', 'right', 'right', 'other', 'wrong', 'continue-as', 'blocked', 'boss', 'odd'),
  oddForm: fc.array(fc.tuple(fc.constantFrom('state', 'username', 'password', 'continue_as', 'action', '__proto__'), oddValue), { maxLength: 3 }),
  continueWith: fc.array(fc.tuple(fc.constantFrom('answer', 'state', '__proto__'), oddValue), { maxLength: 2 }),
});
type AuthorizeCase = typeof authorizeCase extends fc.Arbitrary<infer T> ? T : never;

function authorizeParams(c: AuthorizeCase): [string, string][] {
  const entries: [string, string | undefined][] = [
    ['client_id', c.client.client_id],
    ['redirect_uri', c.client.redirect_uri],
    ['response_type', c.responseType],
    ['response_mode', c.responseMode],
    ['scope', c.scope],
    ['audience', c.audience],
    ['state', c.state],
    ['nonce', 'n-1'],
    ['code_challenge', c.pkce ? 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' : undefined],
    ['code_challenge_method', c.pkce ? 'S256' : undefined],
    ['connection', c.connection],
    ['prompt', c.prompt],
  ];
  const params = new Map(entries.filter((e): e is [string, string] => e[1] !== undefined));
  for (const [k, v] of c.mutations) params.set(k, v);
  return [...params];
}

/** Whether the generator can say the request goes to the login page: unmutated, a combination /authorize accepts. */
function goesToLogin(c: AuthorizeCase): boolean {
  if (c.mutations.length > 0 || c.prompt === 'none') return false;
  const tokens = c.responseType !== 'code';
  if (c.responseMode === 'query' && tokens) return false;
  if (c.responseMode === 'web_message' && c.client.client_id !== 'spa') return false;
  if (c.connection === 'employees' && c.client.client_id !== 'web-app') return false;
  if (c.responseType.includes('id_token') && c.scope !== undefined && !c.scope.includes('openid')) return false;
  return true;
}

const CREDENTIALS: Record<string, Record<string, string>> = {
  right: { username: 'user@example.com', password: 'pwd', action: 'default' },
  other: { username: 'other@example.com', password: 'pwd2', action: 'default' },
  wrong: { username: 'user@example.com', password: 'nope', action: 'default' },
  blocked: { username: 'blocked@example.com', password: 'pwd', action: 'default' },
  boss: { username: 'boss@corp.example', password: 's3cret', action: 'default' },
  odd: {},
};

const encode = (entries: [string, string][]) => entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '?'))}`).join('&');

async function runCase(c: AuthorizeCase): Promise<void> {
  cases++;
  const jar = new Jar();
  const params = authorizeParams(c);
  const what = () => JSON.stringify(c);
  const first = c.method === 'GET' ? await send(jar, 'GET', `/authorize?${encode(params)}`) : await send(jar, 'POST', '/authorize', encode(params));
  check(first, what);
  const location = first.headers.get('location') ?? '';
  const toLogin = first.status === 302 && location.startsWith(`${t.url}/u/login?state=`);
  if (goesToLogin(c)) prediction('authorize: the login page', toLogin, what);
  if (!toLogin) return;

  const page = await send(jar, 'GET', location);
  check(page, what);
  const state = new URL(location).searchParams.get('state')!;
  const form = new Map<string, string>([['state', state], ...Object.entries(CREDENTIALS[c.login] ?? {})]);
  if (c.login === 'continue-as') {
    const id = /name="continue_as" value="([^"]+)"/.exec(page.text)?.[1];
    if (id) form.set('continue_as', id);
  }
  for (const [k, v] of c.oddForm) form.set(k, v);
  const posted = await send(jar, 'POST', location, encode([...form]));
  check(posted, what);
  const resumeUrl = posted.headers.get('location') ?? '';
  // A connection, asked for or put in by a mutation, decides the directory (and so whether a password is right).
  const plain = c.oddForm.length === 0 && !params.some(([k]) => k === 'connection');
  if (plain && (c.login === 'right' || c.login === 'other')) prediction('login: on to the resume step', posted.status === 302 && resumeUrl === `${t.url}/authorize/resume?state=${state}`, what);
  if (plain && c.login === 'wrong') prediction('login: wrong password', posted.status === 400 && posted.text.includes('data-error-code="wrong-email-credentials"'), what);
  if (!resumeUrl.startsWith(`${t.url}/authorize/resume`)) return;

  const done = await send(jar, 'GET', resumeUrl);
  check(done, what);
  const away = done.headers.get('location') ?? '';
  if (done.status === 302 && away.startsWith('https://consent.example/')) {
    const back = new URLSearchParams([['state', new URL(away).searchParams.get('state') ?? ''], ...c.continueWith]);
    const continued = await send(jar, 'GET', `/continue?${encode([...back])}`);
    check(continued, what);
    if (c.continueWith.length === 0) prediction('continue: to the callback', continued.status !== 400, what);
    return;
  }
  if (plain && c.login === 'right') prediction('resume: to the callback', done.status === 200 || (done.status === 302 && away.startsWith(c.client.redirect_uri)), what);
}

const strayCase = fc.record({
  path: fc.constantFrom('/u/login', '/authorize/resume', '/continue', '/dev/u/login', '/dev/continue'),
  method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
  query: fc.array(fc.tuple(fc.constantFrom('state', 'username', 'password', 'continue_as', '__proto__'), oddValue), { maxLength: 3 }),
  body: fc.array(fc.tuple(fc.constantFrom('state', 'username', 'password', 'continue_as', '__proto__'), oddValue), { maxLength: 3 }),
});

describe('fuzzing the browser login', () => {
  it('near-valid /authorize requests followed through the login page, the resume step and /continue', async () => {
    await runProperty(
      'browser login',
      fc.asyncProperty(fc.oneof({ arbitrary: authorizeCase.map((c) => ({ kind: 'login' as const, c })), weight: 5 }, { arbitrary: strayCase.map((s) => ({ kind: 'stray' as const, s })), weight: 1 }), async (input) => {
        unexpected.length = 0;
        if (input.kind === 'login') return runCase(input.c);
        const { path, method, query, body } = input.s;
        const url = `${path}${query.length > 0 ? `?${encode(query)}` : ''}`;
        const res = method === 'GET' ? await send(new Jar(), 'GET', url) : await send(new Jar(), 'POST', url, encode(body));
        check(res, () => JSON.stringify(input.s));
        // Auth0's page for a lost transaction, or a 405 page (POST /authorize/resume).
        expect(res.status).toBe(method === 'POST' && path === '/authorize/resume' ? 405 : 400);
      }),
      RUNS * 1.5,
    );
    const sent = cases;
    // Shares of the login cases (5 in 6 of all) the generator predicts, with a wide margin below.
    for (const [label, share] of Object.entries({ 'authorize: the login page': 0.08, 'login: on to the resume step': 0.02, 'resume: to the callback': 0.01 })) {
      expect(predicted.get(label) ?? 0, `answers predicted as "${label}" (of ${sent} cases)`).toBeGreaterThanOrEqual(Math.floor(sent * share * 0.5));
    }
    console.log(`browser login: ${cases} cases, ${requests} requests; predicted ${JSON.stringify(Object.fromEntries(predicted))}; ${summary()}`);
  }, timeoutFor('browser login'));
});
