/**
 * Replays the HAR requests of the seed pages (Auth0's docs, test/fixtures/seeds/*.har.json, copied verbatim
 * from the seeds' ```har blocks) against the listening emulator. Only the host and the doc placeholders are
 * substituted; method, headers and body text are sent as written. Each seed's stated rules are asserted;
 * what depends on the seeds' webtask code (000–002: extra scopes and claims) is asserted against a second emulator
 * whose config (test/fixtures/extensions/seeds.yaml) adds that code.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWTPayload } from 'jose';
import { API, decode, decodeHeader, fixture, startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';

interface HarRequest {
  method: string;
  url: string;
  headers: { name: string; value: string }[];
  postData?: { mimeType: string; text: string };
}

interface Replayed {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

const SEEDS = {
  rulesPasswordWebtask: '000_8206c916554ab5e8',
  rulesPassword: '001_3f52471f7bb36e37',
  rulesClientCredentials: '002_113a72d8ac892bdc',
  passwordGrant: '003_12c4fe84f4a07ead',
} as const;

const NAMESPACE = 'https://${account.namespace}';
const seed = (name: string): HarRequest[] => JSON.parse(readFileSync(fixture(`seeds/${name}.har.json`), 'utf8')) as HarRequest[];
/** Requests to the tenant (the others, like seed 003's GET https://someapi.com/api, go to the user's own API). */
const isTenantRequest = (req: HarRequest) => req.url.startsWith(`${NAMESPACE}/`);

let t: TestEmulator;
let issuer: string;
beforeAll(async () => {
  t = await startEmulator();
  issuer = `${t.url}/`;
});
afterAll(() => t.close());

/** The same tenant with the seeds' webtask code (000/001: password-exchange, 002: credentials-exchange). */
let withHooks: TestEmulator;
beforeAll(async () => {
  withHooks = await startEmulator({ config: fixture('extensions/seeds.yaml') });
});
afterAll(() => withHooks.close());

/** `replay`, but to the emulator with the seeds' webtask code; also checks the token there (200, RS256, its JWKS). */
async function replayWithHooks(req: HarRequest): Promise<Replayed & { claims: JWTPayload }> {
  const p = prepared(req);
  const res = await fetch(withHooks.url + p.url.slice(t.url.length), { method: p.method, headers: p.headers, body: p.text ?? null });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(decodeHeader(body.access_token as string)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
  const claims = await verifyWithServedJwks(withHooks.http, body.access_token as string, { issuer: `${withHooks.url}/`, audience: API });
  expect(claims.exp! - claims.iat!).toBe(86400);
  return { status: res.status, headers: res.headers, body, claims };
}

function substitute(text: string): string {
  return text
    .replaceAll(NAMESPACE, t.url)
    .replaceAll('${account.clientId}', 'trusted-app')
    .replaceAll('${account.clientSecret}', 'trusted-app-secret')
    .replaceAll('API_IDENTIFIER', API);
}

/** The request as the emulator receives it: placeholders substituted, everything else as written. */
function prepared(req: HarRequest): { method: string; url: string; headers: [string, string][]; text: string | undefined } {
  const out = {
    method: req.method,
    url: substitute(req.url),
    headers: req.headers.map((h): [string, string] => [h.name, substitute(h.value)]),
    text: req.postData === undefined ? undefined : substitute(req.postData.text),
  };
  expect(JSON.stringify(out)).not.toContain('${'); // every placeholder was known
  return out;
}

async function replay(req: HarRequest, text?: string): Promise<Replayed> {
  const p = prepared(req);
  const res = await fetch(p.url, { method: p.method, headers: p.headers, body: text ?? p.text ?? null });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body };
}

/** A variation on a seed request's body (for the rules the seed states in prose), JSON-edited. */
function variant(req: HarRequest, edit: (body: Record<string, unknown>) => void): string {
  const body = JSON.parse(prepared(req).text!) as Record<string, unknown>;
  edit(body);
  return JSON.stringify(body);
}

function tokenRequest(name: string, index = 0): HarRequest {
  const req = seed(name).filter(isTenantRequest)[index];
  if (!req) throw new Error(`seed ${name} has no tenant request #${index}`);
  return req;
}

/** What holds for every successful token response: status, headers, shape, a verifiable RS256 JWT for the API. */
async function expectTokenResponse(res: Replayed) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
  const accessToken = res.body.access_token as string;
  expect(accessToken.split('.')).toHaveLength(3);
  expect(decodeHeader(accessToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
  const claims = await verifyWithServedJwks(t.http, accessToken, { issuer, audience: API });
  expect(claims.iss).toBe(issuer);
  expect(claims.exp! - claims.iat!).toBe(86400);
  return claims;
}

describe('the seed fixtures', () => {
  it('hold the HAR requests of each seed, with the doc placeholders', () => {
    for (const name of Object.values(SEEDS)) {
      const requests = seed(name);
      expect(requests.length).toBeGreaterThan(0);
      for (const req of requests.filter(isTenantRequest)) {
        expect(req).toMatchObject({ method: 'POST', url: `${NAMESPACE}/oauth/token`, headers: [{ name: 'Content-Type', value: 'application/json' }] });
        expect(req.postData?.mimeType).toBe('application/json');
        expect(req.postData?.text).toContain('${account.clientId}');
      }
    }
    expect(seed(SEEDS.passwordGrant).map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${NAMESPACE}/oauth/token`,
      `POST ${NAMESPACE}/oauth/token`,
      'GET https://someapi.com/api',
    ]);
  });
});

describe.each([
  ['000', SEEDS.rulesPasswordWebtask],
  ['001', SEEDS.rulesPassword],
])('seed %s: rules with the Resource Owner Password grant', (_n, name) => {
  it('replays the test POST /oauth/token: 200 and a password-grant access token for the API', async () => {
    const res = await replay(tokenRequest(name));
    const claims = await expectTokenResponse(res);
    expect(claims).toMatchObject({ aud: API, gty: 'password', azp: 'trusted-app' });
    expect(claims.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(String(claims.scope).split(' ')).toContain('read:sample');
    expect(res.body.id_token).toBeUndefined();
  });

  it('with the seed’s webtask (password-exchange) configured: response and token scope "read:sample extra"', async () => {
    const { body, claims } = await replayWithHooks(tokenRequest(name));
    // The issued scopes differ from the requested `read:sample`, so the response lists them (seed 003's rule).
    expect(Object.keys(body)).toEqual(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ scope: 'read:sample extra', expires_in: 86400, token_type: 'Bearer' });
    // The seed's sample token (its shared _response include) shows `${account.clientId}@clients` as `sub`, a
    // copy from the client-credentials page: a password-grant token is the user's.
    expect(claims).toMatchObject({ iss: `${withHooks.url}/`, aud: API, scope: 'read:sample extra', 'https://foo.com/claim': 'bar', gty: 'password', azp: 'trusted-app' });
    expect(claims.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
  });
});

describe('seed 002: rules with the Client Credentials grant', () => {
  it('replays the test POST /oauth/token: 200 and the documented access token shape', async () => {
    const res = await replay(tokenRequest(SEEDS.rulesClientCredentials));
    const claims = await expectTokenResponse(res);
    // The seed's token: iss "${account.namespace}/", sub "${account.clientId}@clients", aud API_IDENTIFIER.
    expect(claims).toMatchObject({ iss: issuer, sub: 'trusted-app@clients', aud: API, azp: 'trusted-app', gty: 'client-credentials' });
    expect(res.body.scope).toBe(claims.scope); // client credentials always says the scope
    expect(res.body.id_token).toBeUndefined();
    expect(res.body.refresh_token).toBeUndefined();
  });

  it('with the seed’s webtask (credentials-exchange) configured: the documented token, scope "test extra" and "https://foo.com/claim": "bar"', async () => {
    const { body, claims } = await replayWithHooks(tokenRequest(SEEDS.rulesClientCredentials));
    expect(Object.keys(body)).toEqual(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ scope: 'test extra', expires_in: 86400, token_type: 'Bearer' });
    // The seed's token: iss, sub, aud, exp, iat, scope "test extra", "https://foo.com/claim": "bar".
    expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'azp', 'scope', 'gty', 'https://foo.com/claim']);
    expect(claims).toMatchObject({
      iss: `${withHooks.url}/`,
      sub: 'trusted-app@clients',
      aud: API,
      scope: 'test extra',
      'https://foo.com/claim': 'bar',
      azp: 'trusted-app',
      gty: 'client-credentials',
    });
  });
});

describe('seed 003: execute the Resource Owner Password grant', () => {
  const passwordReq = () => tokenRequest(SEEDS.passwordGrant, 0);
  const realmReq = () => tokenRequest(SEEDS.passwordGrant, 1);

  it('replays the password request: 200, access_token/token_type/expires_in and no `scope` (granted = requested)', async () => {
    const res = await replay(passwordReq());
    const claims = await expectTokenResponse(res);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(claims).toMatchObject({ aud: API, scope: 'read:sample', gty: 'password', azp: 'trusted-app' });
  });

  it('includes `scope` in the response when the issued scopes differ from the requested ones', async () => {
    const res = await replay(passwordReq(), variant(passwordReq(), (b) => (b.scope = 'read:sample delete:everything')));
    await expectTokenResponse(res);
    expect(res.body.scope).toBe('read:sample');
  });

  it('panel: no API scope requested → every API scope, listed in `scope`', async () => {
    for (const edit of [(b: Record<string, unknown>) => delete b.scope, (b: Record<string, unknown>) => (b.scope = '')]) {
      const res = await replay(passwordReq(), variant(passwordReq(), edit));
      const claims = await expectTokenResponse(res);
      expect(res.body.scope).toBe('read:sample write:sample');
      expect(claims.scope).toBe('read:sample write:sample');
    }
  });

  it('panel: only `openid` → openid profile email address phone (plus every API scope), listed in `scope`', async () => {
    const res = await replay(passwordReq(), variant(passwordReq(), (b) => (b.scope = 'openid')));
    const claims = await expectTokenResponse(res);
    expect(res.body.scope).toBe('openid profile email address phone read:sample write:sample');
    expect(claims.scope).toBe(res.body.scope);
    expect(res.body.id_token).toBeTypeOf('string');
  });

  it('panel: with `openid` the RS256 access token also has the /userinfo audience and works at /userinfo', async () => {
    const res = await replay(passwordReq(), variant(passwordReq(), (b) => (b.scope = 'openid read:sample')));
    const claims = await expectTokenResponse(res);
    expect(claims.aud).toEqual([API, `${issuer}userinfo`]);
    const info = await t.http.get('/userinfo').set('Authorization', `Bearer ${String(res.body.access_token)}`).expect(200);
    expect(info.body).toMatchObject({ sub: claims.sub });

    // Without openid (the request as written) the token is for the API only, and /userinfo refuses it.
    const plain = await replay(passwordReq());
    expect(decode(plain.body.access_token as string).aud).toBe(API);
    await t.http.get('/userinfo').set('Authorization', `Bearer ${String(plain.body.access_token)}`).expect(401);
  });

  it('replays the realm request: 200, a user of the `employees` connection (not the default directory’s)', async () => {
    const [realm, directory] = await Promise.all([replay(realmReq()), replay(passwordReq())]);
    const claims = await expectTokenResponse(realm);
    expect(Object.keys(realm.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(claims).toMatchObject({ aud: API, scope: 'read:sample', gty: 'password', azp: 'trusted-app' });
    expect(claims.sub).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(claims.sub).not.toBe(decode(directory.body.access_token as string).sub);

    const withOpenid = await replay(realmReq(), variant(realmReq(), (b) => (b.scope = 'openid read:sample')));
    expect(decode(withOpenid.body.id_token as string)).toMatchObject({ sub: claims.sub, name: 'Example Employee' });
    const info = await t.http.get('/userinfo').set('Authorization', `Bearer ${String(withOpenid.body.access_token)}`).expect(200);
    expect(info.body).toMatchObject({ sub: claims.sub, name: 'Example Employee', email: 'user@example.com' });
  });
});

describe('the seed requests with the real curl binary', () => {
  const run = promisify(execFile);

  it('answers every tenant request of every seed with 200 and a token JSON', async () => {
    const requests = Object.values(SEEDS).flatMap((name) => seed(name).filter(isTenantRequest).map((req) => ({ name, req })));
    expect(requests).toHaveLength(5);
    await Promise.all(
      requests.map(async ({ name, req }) => {
        const p = prepared(req);
        const args = ['-sS', '--noproxy', '*', '-X', p.method, p.url, ...p.headers.flatMap(([k, v]) => ['-H', `${k}: ${v}`])];
        if (p.text !== undefined) args.push('--data-raw', p.text);
        args.push('-w', '\n%{http_code}');
        const { stdout } = await run('curl', args, { timeout: 10_000 });
        const cut = stdout.lastIndexOf('\n');
        const status = stdout.slice(cut + 1);
        const body = JSON.parse(stdout.slice(0, cut)) as Record<string, unknown>;
        expect(status, `${name}: ${stdout}`).toBe('200');
        expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
        const claims = await verifyWithServedJwks(t.http, body.access_token as string, { issuer, audience: API });
        expect(claims.gty).toBe(name === SEEDS.rulesClientCredentials ? 'client-credentials' : 'password');
      }),
    );
  });
});
