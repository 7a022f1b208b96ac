/**
 * The route table (src/http/routes.ts) is what is served: every route it names answers at its path and
 * methods (never the "no such path" 404), what it marks not served yet says so, and discovery's URLs are
 * the table's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, urlFor } from '../src/http/routes.js';
import { startEmulator, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator();
});
afterAll(() => t.close());

/** A request to a route: path parameters filled in, an empty JSON body where a body goes. */
function send(method: string, path: string) {
  const url = path.replace(':id', 'auth0%7Cnobody');
  const req = t.http[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](url);
  return method === 'GET' || method === 'DELETE' ? req : req.send({});
}

describe('the route table', () => {
  it('every served route answers at its path and methods', async () => {
    for (const route of ROUTES) {
      if ('served' in route) continue;
      for (const method of route.methods) {
        // The log stream stays open: its answer is checked in control-plane.test.ts.
        if (route.name === 'control.logs') continue;
        const res = await send(method, route.path);
        expect(res.status, `${method} ${route.path}`).not.toBe(405);
        expect(res.body?.error_description ?? res.body?.message ?? '', `${method} ${route.path}`).not.toMatch(/^Not found/);
      }
    }
  });

  it('a route Auth0 has but the emulator does not serve yet answers 404 saying so', async () => {
    const res = await t.http.post('/oauth/device/code').send({ client_id: 'spa' }).expect(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: 'The emulator does not serve POST /oauth/device/code yet' });
    const prefixed = await t.http.post('/dev/mfa/challenge').send({}).expect(404);
    expect(prefixed.body).toEqual({ error: 'not_found', error_description: 'The emulator does not serve POST /mfa/challenge yet' });
  });

  it('discovery names only table URLs that are served: nothing it advertises answers 404', async () => {
    const issuer = `${t.url}/`;
    const doc = (await t.http.get('/.well-known/openid-configuration').expect(200)).body as Record<string, unknown>;
    const urls = Object.entries(doc).filter(([key]) => key.endsWith('_endpoint') || key === 'jwks_uri');
    const served = ROUTES.filter((r) => r.area === 'tenant' && !('served' in r)).map((r) => r.name);
    expect(urls.map(([, url]) => url)).toEqual((['authorize', 'token', 'userinfo', 'jwks', 'revoke', 'oidc-logout'] as const).map((name) => urlFor(issuer, name)));
    for (const [key, url] of urls) {
      const route = ROUTES.find((r) => urlFor(issuer, r.name as 'token') === url)!;
      expect(served, key).toContain(route.name);
      const res = await send(route.methods[0], new URL(url as string).pathname);
      expect(res.status, `${key} ${url as string}`).not.toBe(404);
    }
  });

  it('tenants builds its URLs from the table', () => {
    const dev = t.emulator.tenants.dev!;
    expect(dev).toEqual({
      name: 'dev',
      issuer: `${t.url}/`,
      tokenUrl: `${t.url}/oauth/token`,
      jwksUri: `${t.url}/.well-known/jwks.json`,
      discoveryUrl: `${t.url}/.well-known/openid-configuration`,
    });
  });

  it('OPTIONS of a well-known document lists its methods, as for every other route', async () => {
    const res = await t.http.options('/.well-known/jwks.json').expect(200);
    expect(res.headers.allow).toBe('HEAD, GET');
    expect((await t.http.options('/userinfo').expect(200)).headers.allow).toBe('HEAD, GET, POST');
  });
});
