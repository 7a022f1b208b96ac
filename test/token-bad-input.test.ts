/** Bad input at /oauth/token: every case gets Auth0's error shape with a 4xx, never a 500 or a stack. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, TRUSTED, startEmulator, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator();
});
afterAll(() => t.close());

const invalid = (error_description: string) => ({ error: 'invalid_request', error_description });

describe('/oauth/token bad input', () => {
  it('missing grant_type, and an empty body', async () => {
    expect((await t.http.post('/oauth/token').send({ ...TRUSTED }).expect(400)).body).toEqual(invalid('Missing required parameter: grant_type'));
    expect((await t.http.post('/oauth/token').expect(400)).body).toEqual(invalid('Missing required parameter: grant_type'));
  });

  it('an unsupported grant type', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'urn:nope', ...TRUSTED }).expect(400);
    expect(res.body).toEqual({ error: 'unsupported_grant_type', error_description: 'Unsupported grant type: urn:nope' }); // emulator's wording (NOTE(emulator) in src/endpoints/token.ts)
  });

  it('malformed JSON, a JSON array and invalid UTF-8', async () => {
    const send = (body: string | Buffer) => t.http.post('/oauth/token').set('Content-Type', 'application/json').send(body);
    expect((await send('{"grant_type":').expect(400)).body).toEqual(invalid('Malformed JSON body')); // emulator's wording (NOTE(emulator) in src/http/body.ts)
    expect((await send('["password"]').expect(400)).body).toEqual(invalid('The JSON body must be an object')); // emulator's wording (NOTE(emulator) in src/http/body.ts)
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    const res = await fetch(`${t.url}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bad });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(invalid('The request body is not valid UTF-8')); // emulator's wording (NOTE(emulator) in src/http/body.ts)
  });

  it('an unsupported content type', async () => {
    const res = await t.http.post('/oauth/token').set('Content-Type', 'text/plain').send('grant_type=password').expect(400);
    expect(res.body).toEqual(invalid('Unsupported content type: send application/json or application/x-www-form-urlencoded')); // emulator's wording (NOTE(emulator) in src/http/body.ts)
  });

  it('a repeated form parameter', async () => {
    const res = await t.http.post('/oauth/token').type('form').send('grant_type=password&grant_type=client_credentials').expect(400);
    expect(res.body).toEqual(invalid('Parameter must not be repeated: grant_type')); // emulator's wording (NOTE(emulator) in src/http/body.ts)
  });

  it('objects and arrays where strings belong; scope as an array is accepted', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'password', username: { $ne: 1 }, password: 'x', ...TRUSTED }).expect(400);
    expect(res.body).toEqual(invalid('Invalid value for parameter: username (expected a string)')); // emulator's wording (NOTE(emulator) in src/oauth/params.ts)
    const scope = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', ...TRUSTED, audience: API, scope: [1] }).expect(400);
    // Auth0's error table (reference §3): 400 invalid_scope.
    expect(scope.body).toEqual({ error: 'invalid_scope', error_description: 'Scope must be an array or a string' });
    const ok = await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', ...TRUSTED, audience: API, scope: ['read:sample'] }).expect(200);
    expect(ok.body.scope).toBe('read:sample');
  });

  it('an oversized body is 413', async () => {
    const res = await t.http.post('/oauth/token').send({ grant_type: 'password', junk: 'x'.repeat(70_000) }).expect(413);
    expect(res.body).toEqual(invalid('Request body is larger than 65536 bytes'));
  });

  it('__proto__ and constructor keys are plain, ignored parameters', async () => {
    const body = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"grant_type":"client_credentials","client_id":"trusted-app","client_secret":"trusted-app-secret","audience":"${API}"}`;
    await t.http.post('/oauth/token').set('Content-Type', 'application/json').send(body).expect(200);
    await t.http.post('/oauth/token').type('form').send(`__proto__[polluted]=1&grant_type=client_credentials&client_id=trusted-app&client_secret=trusted-app-secret&audience=${encodeURIComponent(API)}`).expect(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a wrong method is 405 with Allow; an unknown path is 404', async () => {
    const res = await t.http.get('/oauth/token').expect(405);
    expect(res.body).toEqual({ error: 'method_not_allowed', error_description: 'Method not allowed; use POST' }); // emulator's wording (NOTE(emulator) in src/oauth/errors.ts)
    expect(res.headers.allow).toBe('POST');
    expect((await t.http.get('/nope').expect(404)).body).toEqual({ error: 'not_found', error_description: 'Not found: GET /nope' }); // emulator's wording (NOTE(emulator) in src/http/unmatched.ts)
  });

  it('never answers a 5xx or leaks a stack for odd requests', async () => {
    const cases = [
      t.http.post('/oauth/token').set('Content-Type', 'application/json').send('null'),
      t.http.post('/oauth/token').set('Content-Type', 'application/json; charset=latin1').send('{}'),
      t.http.post('/oauth/token').set('Content-Type', 'application/x-www-form-urlencoded').send('%zz=%'),
      t.http.post('/oauth/token').set('Authorization', 'Basic ' + Buffer.from('no-colon').toString('base64')).send({ grant_type: 'password' }),
      t.http.post('/oauth/token').set('Authorization', 'Basic ' + Buffer.from('%E0%A4%A:x').toString('base64')).send({ grant_type: 'password' }),
      t.http.post('/oauth/token').send({ grant_type: 'password', ...TRUSTED, username: 'a', password: 'b', scope: ' \t ' }),
      t.http.post('/oauth/token').send({ grant_type: 'refresh_token', ...TRUSTED, refresh_token: '\u0000' }),
    ];
    for (const req of cases) {
      const res = await req;
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(typeof res.body.error).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
    }
  });
});
