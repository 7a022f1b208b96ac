/**
 * The fast lane (src/http/fast-lane.ts) answers token requests and the well-known documents without koa.
 * It must answer exactly as koa does: the same requests go to an emulator with the lane and to one
 * without (`fastLane: false`), on the same config, key and frozen clock, and the status, headers, body and
 * log line must be the same. The other test files exercise the lane's answers against Auth0's.
 */
import type { RequestListener } from 'node:http';
import fc from 'fast-check';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type EmulatorOptions, type RequestLogEntry } from '../src/index.js';
import { API, EXAMPLE_CONFIG, TRUSTED, form } from './helpers.js';
import { CODE_CONFIG, SPA, SPA_CALLBACK, SPA_ORIGIN, VERIFIER, WEB_BASIC, WEB_POST, codeIssuer } from './code-grant-config.js';

interface Side {
  emulator: Emulator;
  handler: RequestListener;
  log: RequestLogEntry[];
}

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
let lane: Side;
let koa: Side;
/** The same, on the authorization-code tests' config (clients with callbacks and web origins). */
let codeLane: Side;
let codeKoa: Side;

async function side(fastLane: boolean, config: EmulatorOptions['config'] = EXAMPLE_CONFIG): Promise<Side> {
  const log: RequestLogEntry[] = [];
  const emulator = await createEmulator({ config, stateDir: false, fastLane, log: (entry) => log.push(entry) });
  emulator.clock.set(NOW);
  emulator.clock.freeze();
  return { emulator, handler: emulator.callback(), log };
}

beforeAll(async () => {
  [lane, koa, codeLane, codeKoa] = await Promise.all([side(true), side(false), side(true, CODE_CONFIG), side(false, CODE_CONFIG)]);
});
afterAll(async () => {
  await Promise.all([lane, koa, codeLane, codeKoa].map((s) => s.emulator.close()));
});

type Request = (http: ReturnType<typeof supertest>) => supertest.Test;

/** Random by design: refresh tokens and opaque (encrypted, random IV) access tokens. */
const maskRandom = (text: string) =>
  text.replace(/"(access_token|refresh_token)":"([^"]+)"/g, (all, name: string, value: string) => (value.split('.').length === 3 ? all : `"${name}":"…"`));

/** What must be equal: everything but the Date header, random tokens, and the log's id and time. */
async function answer(s: Side, request: Request) {
  const before = s.log.length;
  const res = await request(supertest(s.handler));
  const { date: _date, ...headers } = res.headers as Record<string, string>;
  const text = res.text === undefined ? undefined : maskRandom(res.text);
  const log = s.log.slice(before).map(({ id: _id, ms: _ms, ...rest }) => rest);
  return { status: res.status, headers, text, log };
}

const sides = (): [Side, Side] => [codeLane, codeKoa];

async function same(request: Request, sides: [Side, Side] = [lane, koa]) {
  const [a, b] = await Promise.all([answer(sides[0], request), answer(sides[1], request)]);
  expect(a).toEqual(b);
  return a;
}

const HOST = 'localhost:4400';
const json = (body: unknown, path = '/oauth/token'): Request => (http) => http.post(path).set('Host', HOST).send(body as object);
const raw = (type: string, body: string | Buffer, path = '/oauth/token'): Request => (http) => http.post(path).set('Host', HOST).set('Content-Type', type).send(body);

describe('the fast lane answers as koa does', () => {
  it('token requests that succeed: JSON, form, Basic, a tenant prefix, a tenant host, CORS', async () => {
    const cc = { grant_type: 'client_credentials', ...TRUSTED, audience: API };
    expect((await same(json(cc))).status).toBe(200);
    await same(raw('application/x-www-form-urlencoded', form(cc)));
    await same(raw('application/json; charset=UTF-8', JSON.stringify(cc)));
    await same((http) => http.post('/oauth/token').set('Host', HOST).auth(TRUSTED.client_id, TRUSTED.client_secret).type('form').send(form({ grant_type: 'client_credentials', audience: API })));
    await same(json(cc, '/dev/oauth/token'));
    await same((http) => http.post('/oauth/token').set('Host', 'dev.localhost:4400').send(cc));
    await same((http) => http.post('/oauth/token?ignored=1').set('Host', HOST).set('Origin', 'http://localhost:3000').send(cc));
    // No ID token: its `updated_at` is each emulator's load time.
    const password = { grant_type: 'password', username: 'user@example.com', password: 'pwd', ...TRUSTED, audience: API, scope: 'offline_access read:sample' };
    const ok = await same(json(password));
    expect(ok.status).toBe(200);
    expect(ok.log).toEqual([{ method: 'POST', path: '/oauth/token', status: 200, tenant: 'dev', grant: 'password', client: 'trusted-app', user: expect.any(String) }]);
    await same(json({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', username: 'boss@corp.example', password: 's3cret', ...TRUSTED, audience: API }));
  });

  it('token requests that fail, with their log lines', async () => {
    await same(json({ ...TRUSTED }));
    await same(json({ grant_type: 'urn:nope', ...TRUSTED }));
    await same(json({ grant_type: 'client_credentials', client_id: 'trusted-app', client_secret: 'wrong', audience: API }));
    await same(json({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }));
    await same(json({ grant_type: 'password', username: 'user@example.com', password: 'wrong', ...TRUSTED }));
    await same(json({ grant_type: 'password', client_id: 'spa', username: 'user@example.com', password: 'pwd', scope: { a: 1 } }));
    await same(raw('application/json', '{"grant_type":'));
    await same(raw('application/json', '["password"]'));
    await same(raw('application/json', ''));
    await same(raw('application/json', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
    await same(raw('application/x-www-form-urlencoded', 'grant_type=password&grant_type=client_credentials'));
    await same(raw('application/json', JSON.stringify({ grant_type: 'password', padding: 'x'.repeat(70_000) })));
    // Left to koa by the lane, and the same either way:
    await same(raw('text/plain', 'grant_type=password'));
    await same((http) => http.post('/oauth/token').set('Host', HOST));
    await same((http) => http.get('/oauth/token').set('Host', HOST));
    await same((http) => http.options('/oauth/token').set('Host', HOST).set('Origin', 'http://localhost:3000').set('Access-Control-Request-Method', 'POST'));
    await same(json({ grant_type: 'client_credentials', ...TRUSTED }, '/nope/oauth/token'));
    // The lane finds its route by path (at the root, or after one segment) and then checks the tenant's prefix.
    for (const path of ['//oauth/token', '/dev/dev/oauth/token', '/dev//oauth/token', '/oauth/token/']) await same(json({ grant_type: 'client_credentials', ...TRUSTED, audience: API }, path));
    await same((http) => http.post('/dev/oauth/token').set('Host', 'dev.localhost:4400').send({ grant_type: 'client_credentials', ...TRUSTED, audience: API }));
  });

  it('authorization-code exchanges that fail, and CORS by the client: an origin of the client, another, none', async () => {
    const code = (s: [Side, Side], body: Record<string, string>, origin?: string) =>
      same((http) => {
        const req = http.post('/oauth/token').set('Host', HOST).type('form');
        return (origin === undefined ? req : req.set('Origin', origin)).send(form({ grant_type: 'authorization_code', ...body }));
      }, s);
    const sides: [Side, Side] = [codeLane, codeKoa];
    const spa = { ...SPA, code: 'unknown', code_verifier: 'v'.repeat(43), redirect_uri: SPA_CALLBACK };
    expect((await code(sides, spa, SPA_ORIGIN)).headers['access-control-allow-origin']).toBe(SPA_ORIGIN);
    expect((await code(sides, spa, 'https://app.cors.example')).status).toBe(403);
    expect((await code(sides, spa, 'http://localhost:3001')).status).toBe(401);
    await code(sides, spa, 'null');
    await code(sides, spa);
    await code(sides, { ...WEB_POST, code: 'unknown' }, 'http://localhost:4000');
    await code(sides, { client_id: WEB_BASIC.client_id, code: 'unknown' });
    await code(sides, { client_id: 'nobody', code: 'unknown' }, SPA_ORIGIN);
    await code(sides, { ...SPA }, SPA_ORIGIN);
    // The example config's clients have no authorization_code grant, nor origins.
    await code([lane, koa], { ...TRUSTED, code: 'x' }, SPA_ORIGIN);
  });

  it('an authorization-code exchange that succeeds, from the SPA\'s origin', async () => {
    // The same code record on each side (no profile scope: the ID token's updated_at is each emulator's load time).
    const scopes = ['openid', 'offline_access'];
    const issuers = [];
    // One at a time: each catches its emulator's code repository with a spy of its own.
    for (const s of sides()) issuers.push(await codeIssuer({ emulator: s.emulator, http: supertest(s.handler), url: '', close: async () => {} }));
    const [a, b] = await Promise.all(issuers.map((issue) => issue({ scopes, requestedScopes: scopes, draft: { scopes, accessToken: {}, idToken: {} } })));
    const request = (code: string): Request => (http) =>
      http.post('/oauth/token').set('Host', HOST).set('Origin', SPA_ORIGIN).type('form').send(form({ grant_type: 'authorization_code', ...SPA, code, code_verifier: VERIFIER, redirect_uri: SPA_CALLBACK }));
    const [x, y] = await Promise.all([answer(codeLane, request(a!)), answer(codeKoa, request(b!))]);
    expect(x).toEqual(y);
    expect(x.status).toBe(200);
    expect(x.log).toEqual([{ method: 'POST', path: '/oauth/token', status: 200, tenant: 'dev', grant: 'authorization_code', client: SPA.client_id, user: expect.any(String) }]);
  });

  it('the well-known documents: GET, HEAD, ETag revalidation, CORS, tenant prefix, another method', async () => {
    for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/dev/.well-known/jwks.json']) {
      const get = await same((http) => http.get(path).set('Host', HOST));
      expect(get.status).toBe(200);
      await same((http) => http.head(path).set('Host', HOST));
      expect((await same((http) => http.get(path).set('Host', HOST).set('If-None-Match', get.headers.etag!))).status).toBe(304);
      await same((http) => http.get(`${path}?x=1`).set('Host', HOST).set('Origin', 'http://localhost:3000'));
      expect((await same((http) => http.put(path).set('Host', HOST))).status).toBe(405);
    }
    await same((http) => http.get('/.well-known/jwks.json/').set('Host', HOST));
    await same((http) => http.get('/x/.well-known/jwks.json').set('Host', HOST));
  });
});

describe('the fast lane answers as koa does, for any token request', () => {
  const value = fc.oneof(fc.string(), fc.constantFrom('password', 'client_credentials', 'refresh_token', 'authorization_code', 'trusted-app', 'trusted-app-secret', 'spa', 'user@example.com', 'pwd', API, 'read:sample openid'));
  const body = fc.dictionary(fc.constantFrom('grant_type', 'client_id', 'client_secret', 'username', 'password', 'audience', 'scope', 'realm', 'refresh_token', 'code', 'code_verifier', 'redirect_uri', '__proto__', 'x'), value);
  const type = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'Application/JSON; charset=utf-8', 'application/x-www-form-urlencoded;charset=utf-8');
  const headers = fc.record({ origin: fc.option(fc.constantFrom('http://localhost:3000', 'null')), basic: fc.option(fc.tuple(value, value)) });

  it('the same status, headers, body and log line', async () => {
    await fc.assert(
      fc.asyncProperty(body, type, headers, async (fields, contentType, h) => {
        const text = contentType.toLowerCase().startsWith('application/json') ? JSON.stringify(fields) : form(fields);
        await same((http) => {
          let req = http.post('/oauth/token').set('Host', HOST).set('Content-Type', contentType);
          if (h.origin !== null) req = req.set('Origin', h.origin);
          if (h.basic !== null) req = req.auth(h.basic[0], h.basic[1]);
          return req.send(text);
        });
      }),
      { numRuns: 150 },
    );
  });
});
