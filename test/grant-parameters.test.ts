/**
 * Grants declare the parameters they read (Grant.parameters), and the parameters the emulator reads are built
 * from those declarations: a grant that reads a parameter it does not declare, or declares one it never reads,
 * fails here, and so does a grant no request below reaches.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REVOKE_PARAMETERS } from '../src/endpoints/revoke.js';
import { TOKEN_PARAMETERS } from '../src/endpoints/token.js';
import { grants } from '../src/grants/registry.js';
import type { Grant } from '../src/grants/types.js';
import { API, TRUSTED, form, startEmulator, type TestEmulator } from './helpers.js';
import { CODE_CONFIG, SPA, SPA_CALLBACK, VERIFIER, codeIssuer } from './code-grant-config.js';

/** Per grant type, the parameters its handler read (through a proxy over the request's params). */
const read = new Map<string, Set<string>>();
const lookUp = grants.get.bind(grants);
vi.spyOn(grants, 'get').mockImplementation((grantType: string): Grant | undefined => {
  const grant = lookUp(grantType);
  if (!grant) return grant;
  const seen = read.get(grantType) ?? new Set<string>();
  read.set(grantType, seen);
  return {
    ...grant,
    handle: (ctx) => {
      const params = new Proxy(ctx.params, {
        get(target, key) {
          if (typeof key === 'string') seen.add(key);
          return Reflect.get(target, key) as unknown;
        },
      });
      return grant.handle({ ...ctx, params });
    },
  };
});

let t: TestEmulator;
/** An emulator with browser clients, for the authorization-code grant. */
let browser: TestEmulator;
beforeAll(async () => {
  [t, browser] = await Promise.all([startEmulator(), startEmulator({ config: CODE_CONFIG })]);
});
afterAll(() => Promise.all([t.close(), browser.close()]));

const token = (body: Record<string, unknown>) => t.http.post('/oauth/token').send({ ...TRUSTED, ...body });
const login = { username: 'user@example.com', password: 'pwd', audience: API, scope: 'openid offline_access' };

describe('grant parameters', () => {
  it('each grant reads exactly the parameters it declares (a tenant without extensions)', async () => {
    const first = await token({ grant_type: 'password', ...login, ignored: 'x' }).expect(200);
    await token({ grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: 'employees', ...login, ignored: 'x' }).expect(200);
    await token({ grant_type: 'client_credentials', audience: API, scope: 'read:sample', ignored: 'x' }).expect(200);
    await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, scope: 'openid', ignored: 'x' }).expect(200);
    const code = await (await codeIssuer(browser))();
    await browser.http.post('/oauth/token').type('form').send(form({ grant_type: 'authorization_code', ...SPA, code, code_verifier: VERIFIER, redirect_uri: SPA_CALLBACK, ignored: 'x' })).expect(200);

    expect([...read.keys()].sort()).toEqual([...grants.keys()].sort());
    for (const [grantType, grant] of grants) expect({ grantType, read: [...read.get(grantType)!].sort() }).toEqual({ grantType, read: [...grant.parameters].sort() });
  });

  it('refuses an object for every parameter an endpoint or a grant declares, and ignores one for any other', async () => {
    const declared = new Set([...TOKEN_PARAMETERS, ...REVOKE_PARAMETERS, ...[...grants.values()].flatMap((g) => g.parameters)]);
    for (const name of declared) {
      const res = await t.http.post('/oauth/token').send({ [name]: { a: 1 } });
      const expected =
        name === 'scope'
          ? { error: 'invalid_scope', error_description: 'Scope must be an array or a string' }
          : { error: 'invalid_request', error_description: `Invalid value for parameter: ${name} (expected a string)` }; // emulator's wording (NOTE(emulator) in src/oauth/params.ts)
      expect({ name, status: res.status, body: res.body }).toEqual({ name, status: 400, body: expected });
    }
    await token({ grant_type: 'password', ...login, login_hint: { a: 1 }, extra: [1, 2] }).expect(200);
  });
});
