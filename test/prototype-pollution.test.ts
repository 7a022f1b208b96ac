/**
 * Prototype pollution is impossible through any body, query string, header or config value: `__proto__`,
 * `constructor` and `prototype` keys (and Object.prototype's member names as values) are ordinary data
 * everywhere. After every case nothing may have appeared on Object.prototype (or Array's, Function's,
 * String's), and a config carrying such keys is either refused with a clear error or loaded clean.
 * The fuzz suite (test/fuzz/) throws random versions of the same at every endpoint; these are the named cases.
 */
import http from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, createEmulator, type AuthEmulatorConfig } from '../src/index.js';
import { parseConfigText } from '../src/config/load.js';
import { API, EXAMPLE_CONFIG, TRUSTED, decode, fixture, startEmulator, tempDir, writeTemp, type TestEmulator } from './helpers.js';
import { readFileSync } from 'node:fs';

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype];
const ownKeys = () => PROTOTYPES.map((p) => Reflect.ownKeys(p).map(String).sort().join(',')).join('|');
const BEFORE = ownKeys();
/** Every name the cases below try to plant. */
const PLANTED = ['x', 'polluted', 'isAdmin', 'admin', 'prototype'];

function expectClean(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of PLANTED) expect(probe[key], `({}).${key}`).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).x).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(typeof Object.prototype.toString).toBe('function');
  expect(typeof Object.prototype.hasOwnProperty).toBe('function');
  expect(ownKeys()).toBe(BEFORE);
}

type TenantInput = AuthEmulatorConfig['tenants'][number];
const EXAMPLE_TENANT = (parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as AuthEmulatorConfig).tenants[0]!;
const CONFIG: AuthEmulatorConfig = {
  tenants: [
    {
      ...structuredClone(EXAMPLE_TENANT),
      default: true,
      // The Management API (any audience ending in /api/v2/ names it).
      client_grants: [...(EXAMPLE_TENANT.client_grants ?? []), { client_id: 'trusted-app', audience: 'https://tenant.example/api/v2/', scope: ['read:users', 'update:users', 'create:users'] }],
    },
    // A rule that copies the whole rule context (request body included) into the access token.
    { ...structuredClone(EXAMPLE_TENANT), name: 'echo', rules: [fixture('extensions/rule-context.js')], rules_configuration: { KEY: 'value' } } satisfies TenantInput,
  ],
};

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator({ config: CONFIG });
});
afterAll(() => t.close());
afterEach(() => expectClean());

const cc = { ...TRUSTED, grant_type: 'client_credentials', audience: API };
const ccForm = new URLSearchParams(cc).toString();
const ccJson = JSON.stringify(cc).slice(1, -1);

/** An Auth0 error answer: 4xx, `{error, error_description}` (or /userinfo's plain `Unauthorized`), no stack. */
function expectAuth0Error(res: { status: number; body: unknown; text: string; headers: Record<string, string> }): void {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  if (res.headers['content-type']?.startsWith('text/plain')) {
    expect(res.text).toBe('Unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Users"/);
  } else {
    expect(typeof (res.body as { error?: unknown }).error).toBe('string');
    expect(typeof (res.body as { error_description?: unknown }).error_description).toBe('string');
  }
  expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
}

describe('JSON bodies', () => {
  const bodies = [
    `{"__proto__":{"x":1,"polluted":true},${ccJson}}`,
    `{"constructor":{"prototype":{"x":1,"polluted":true}},${ccJson}}`,
    `{"__proto__":{"__proto__":{"x":1}},"prototype":{"x":1},${ccJson}}`,
    `{${ccJson},"scope":["read:sample"],"x":{"__proto__":{"isAdmin":true}},"y":[{"__proto__":{"admin":true}}]}`,
  ];

  it('__proto__, constructor and prototype keys are ignored extra parameters: the token is issued', async () => {
    for (const body of bodies) {
      const res = await t.http.post('/oauth/token').set('Content-Type', 'application/json').send(body).expect(200);
      expect(typeof res.body.access_token).toBe('string');
      expect(res.body.x).toBeUndefined();
      expectClean();
    }
  });

  it('an object under a parameter the emulator reads is refused, whatever it holds', async () => {
    for (const key of ['scope', 'audience', 'client_id', 'grant_type']) {
      const body = `{${ccJson},"${key}":{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}}}}`;
      const res = await t.http.post('/oauth/token').set('Content-Type', 'application/json').send(body);
      expectAuth0Error(res);
    }
  });

  it('at /oauth/revoke and POST /userinfo too', async () => {
    for (const body of bodies) {
      expect((await t.http.post('/oauth/revoke').set('Content-Type', 'application/json').send(body.replace('"grant_type"', '"token":"nope","gt"')).expect(200)).text).toBe('');
      expectAuth0Error(await t.http.post('/userinfo').set('Content-Type', 'application/json').send(body));
    }
  });

  it('the request body reaches rules as plain data, and pollutes neither side', async () => {
    const body = `{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}},"grant_type":"password","username":"user@example.com","password":"pwd","client_id":"trusted-app","client_secret":"trusted-app-secret","audience":"${API}"}`;
    const res = await t.http.post('/echo/oauth/token').set('Content-Type', 'application/json').send(body).expect(200);
    const seen = decode(res.body.access_token as string)['https://example.com/context'] as { request: { body: Record<string, unknown> } };
    expect(seen.request.body).toMatchObject({ grant_type: 'password', username: 'user@example.com', client_id: 'trusted-app' });
    expect(seen.request.body.x).toBeUndefined();
    expect(Object.keys(seen.request.body)).not.toContain('password');
  });
});

describe('form bodies', () => {
  const forms = [
    '__proto__[x]=1&__proto__[polluted]=true',
    'constructor[prototype][x]=1&constructor[prototype][polluted]=true',
    '__proto__.x=1&constructor.prototype.x=1',
    '__proto__=x&constructor=y&prototype=z',
    '__proto__[__proto__][x]=1&x[__proto__][isAdmin]=true&a[constructor][prototype][admin]=1',
  ];

  it('bracketed and dotted prototype keys are plain, ignored parameter names', async () => {
    for (const form of forms) {
      const res = await t.http.post('/oauth/token').type('form').send(`${form}&${ccForm}`).expect(200);
      expect(typeof res.body.access_token).toBe('string');
      expectClean();
      await t.http.post('/oauth/revoke').type('form').send(`${form}&${ccForm.replace('grant_type', 'token')}`).expect(200);
      expectAuth0Error(await t.http.post('/userinfo').type('form').send(form));
    }
  });

  it('a repeated prototype key is refused like any repeated parameter', async () => {
    const res = await t.http.post('/oauth/token').type('form').send(`__proto__=1&__proto__=2&${ccForm}`).expect(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Parameter must not be repeated: __proto__' }); // emulator's wording (NOTE(emulator) in src/http/body.ts)
  });
});

describe('query strings', () => {
  const queries = ['?__proto__[x]=1', '?constructor[prototype][x]=1', '?__proto__=1&__proto__=2', '?__proto__.x=1&a[__proto__][x]=1', '?tenant=__proto__&__proto__[tenant]=dev'];

  it('are ignored by every endpoint', async () => {
    for (const q of queries) {
      await t.http.post(`/oauth/token${q}`).type('form').send(ccForm).expect(200);
      await t.http.post(`/oauth/revoke${q}`).type('form').send(ccForm.replace('grant_type', 'token')).expect(200);
      expectAuth0Error(await t.http.get(`/userinfo${q}`));
      await t.http.get(`/.well-known/jwks.json${q}`).expect(200);
      await t.http.get(`/.well-known/openid-configuration${q}`).expect(200);
      expectAuth0Error(await t.http.get(`/nope${q}`));
      expectClean();
    }
  });

  it('and by the log stream at /__emulator/logs', async () => {
    for (const q of queries) {
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get(`${t.url}/__emulator/logs${q}`, (res) => {
            resolve(res.statusCode ?? 0);
            res.destroy();
          })
          .on('error', reject);
      });
      // `tenant=__proto__` names a tenant, and there is none by that name.
      expect(status, q).toBe(q.startsWith('?tenant=') ? 404 : 200);
      expectClean();
    }
    const res = await t.http.get('/__emulator/logs?tenant=__proto__');
    expect(res.body).toEqual({ error: 'inexistent_tenant', error_description: 'No tenant named "__proto__". This emulator serves: dev, echo.' });
  });
});

describe('parameter values, headers, tenants and hosts named after Object.prototype members', () => {
  const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

  it('as client_id, audience, realm, grant_type, username, refresh_token and token', async () => {
    const password = { ...TRUSTED, grant_type: 'password', username: 'user@example.com', password: 'pwd' };
    for (const name of NAMES) {
      const cases: Record<string, string>[] = [
        { ...cc, client_id: name },
        { ...cc, audience: name },
        { ...password, grant_type: 'http://auth0.com/oauth/grant-type/password-realm', realm: name },
        { ...cc, grant_type: name },
        { ...password, username: name, password: name },
        { ...TRUSTED, grant_type: 'refresh_token', refresh_token: name },
        { ...TRUSTED, grant_type: 'client_credentials', audience: API, scope: `read:sample ${name}` },
      ];
      for (const body of cases) {
        expectAuth0Error(await t.http.post('/oauth/token').send(body));
        expectAuth0Error(await t.http.post('/oauth/token').type('form').send(new URLSearchParams(body).toString()));
      }
      await t.http.post('/oauth/revoke').send({ ...TRUSTED, token: name }).expect(200);
      expectAuth0Error(await t.http.post('/oauth/revoke').send({ client_id: name, token: name }));
    }
  });

  it('in Authorization headers', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const b64url = (s: string) => Buffer.from(s).toString('base64url');
    const forged = `${b64url('{"alg":"RS256","__proto__":{"alg":"none"},"constructor":{"prototype":{"x":1}}}')}.${b64url('{"sub":"__proto__","__proto__":{"x":1},"scope":"openid"}')}.c2ln`;
    for (const name of NAMES) {
      expectAuth0Error(await t.http.post('/oauth/token').set('Authorization', `Basic ${b64(`${name}:${name}`)}`).send({ grant_type: 'client_credentials', audience: API }));
      expectAuth0Error(await t.http.post('/oauth/revoke').set('Authorization', `Basic ${b64(`${name}:x`)}`).send({ token: 'x' }));
      expectAuth0Error(await t.http.get('/userinfo').set('Authorization', `Bearer ${name}`));
    }
    expectAuth0Error(await t.http.get('/userinfo').set('Authorization', `Bearer ${forged}`));
    // /oauth/token reads only Basic credentials from the header: a Bearer there is ignored.
    await t.http.post('/oauth/token').set('Authorization', `Bearer ${forged}`).send(cc).expect(200);
  });

  it('as tenant path segments and Host names', async () => {
    for (const name of NAMES) {
      expectAuth0Error(await t.http.post(`/${name}/oauth/token`).send(cc));
      expectAuth0Error(await t.http.get(`/${name}/userinfo`));
      // An unknown <name>.localhost falls back to the root tenant, which answers normally.
      const res = await t.http.get('/.well-known/openid-configuration').set('Host', `${name}.localhost`).expect(200);
      expect(res.body.issuer).toBe(`http://${name}.localhost/`);
    }
  });
});

describe('the control plane and the Management API', () => {
  const polluting = '{"__proto__":{"x":1,"isAdmin":true},"constructor":{"prototype":{"x":1,"isAdmin":true}},"plan":"gold"}';
  const userId = async () => {
    const users = (await t.http.get('/__emulator/users').expect(200)).body as { user_id: string; email: string }[];
    return users.find((u) => u.email === 'user@example.com')!.user_id;
  };
  afterAll(() => t.http.post('/__emulator/reset').expect(204));

  it('metadata with __proto__ and constructor keys, through /__emulator/users and PATCH /api/v2/users/:id', async () => {
    const created = await t.http
      .post('/__emulator/users')
      .set('Content-Type', 'application/json')
      .send(`{"email":"new@example.com","password":"pw","app_metadata":${polluting},"user_metadata":${polluting},"__proto__":{"blocked":true}}`)
      .expect(201);
    expect(created.body.app_metadata.x).toBeUndefined();
    expect(created.body.blocked).not.toBe(true);
    expectClean();

    const id = await userId();
    await t.http.patch(`/__emulator/users/${encodeURIComponent(id)}`).set('Content-Type', 'application/json').send(`{"app_metadata":${polluting}}`).expect(200);
    expectClean();

    const { access_token: management } = (await t.http.post('/oauth/token').send({ ...TRUSTED, grant_type: 'client_credentials', audience: `${t.url}/api/v2/` }).expect(200)).body as { access_token: string };
    const patched = await t.http
      .patch(`/api/v2/users/${encodeURIComponent(id)}`)
      .set('Authorization', `Bearer ${management}`)
      .set('Content-Type', 'application/json')
      .send(`{"app_metadata":${polluting},"user_metadata":${polluting}}`)
      .expect(200);
    expect(patched.body.app_metadata.plan).toBe('gold');
    expect(patched.body.app_metadata.x).toBeUndefined();
    expect(patched.body.app_metadata.isAdmin).toBeUndefined();
    expectClean();

    // Own keys named after Object.prototype members are ordinary, searchable data; the prototype is not.
    const auth = { Authorization: `Bearer ${management}` };
    const all = (await t.http.get('/api/v2/users').set(auth).expect(200)).body as { user_id: string }[];
    const search = async (q: string) => {
      const res = await t.http.get('/api/v2/users').query({ q }).set(auth);
      expect(res.status, q).toBe(200);
      expectClean();
      return res.body as unknown;
    };
    expect(await search('__proto__.x:1')).toEqual([]);
    expect(await search('constructor.prototype.x:1')).toEqual([]);
    expect(await search('app_metadata.__proto__.isAdmin:true')).toEqual([]);
    expect(await search('app_metadata.constructor.prototype.x:1')).toEqual(all.filter((u) => [created.body.user_id, id].includes(u.user_id)));

    // The same patch reaches rules as plain data: the `echo` tenant's rule copies the user it gets into the token.
    const echoUsers = (await t.http.get('/__emulator/users?tenant=echo').expect(200)).body as { user_id: string; email: string }[];
    const echoId = echoUsers.find((u) => u.email === 'user@example.com')!.user_id;
    await t.http.patch(`/__emulator/users/${encodeURIComponent(echoId)}?tenant=echo`).set('Content-Type', 'application/json').send(`{"app_metadata":${polluting}}`).expect(200);
    const login = await t.http.post('/echo/oauth/token').send({ ...TRUSTED, grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API }).expect(200);
    expect(Object.keys(login.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    const seen = decode(login.body.access_token as string)['https://example.com/user'] as Record<string, unknown>;
    expect(seen.app_metadata).toEqual({ some_app_metadata: 'another value', constructor: { prototype: { x: 1, isAdmin: true } }, plan: 'gold' });
    expect(seen.user_metadata).toEqual({ some_user_metadata: 'value' });
    expect(seen.x).toBeUndefined();
    expect(seen.isAdmin).toBeUndefined();
  });

  // A name Object.prototype has (`__proto__`, `constructor`, `toString`) is no field of a user.
  it('a search for a field named after an Object.prototype member finds no user', async () => {
    const { access_token: management } = (await t.http.post('/oauth/token').send({ ...TRUSTED, grant_type: 'client_credentials', audience: `${t.url}/api/v2/` }).expect(200)).body as { access_token: string };
    for (const q of ['_exists_:__proto__', '_exists_:constructor', 'toString:function*']) {
      const res = await t.http.get('/api/v2/users').query({ q }).set('Authorization', `Bearer ${management}`);
      expect(res.status, q).toBe(200);
      expect(res.body, q).toEqual([]);
    }
  });

  it('query strings and bodies of the other control-plane routes', async () => {
    // Prototype names are not tenants; a bracketed or indexed key is not `tenant` (the default tenant answers).
    for (const name of ['__proto__', 'constructor']) {
      const res = await t.http.get(`/__emulator/users?tenant=${name}`);
      expect(res.status, name).toBe(404);
      expect(res.body, name).toEqual({ error: 'inexistent_tenant', error_description: `No tenant named "${name}".` });
    }
    const defaultUsers = (await t.http.get('/__emulator/users').expect(200)).body as unknown[];
    for (const q of ['?__proto__[tenant]=echo', '?tenant[]=echo']) expect((await t.http.get(`/__emulator/users${q}`).expect(200)).body, q).toEqual(defaultUsers);

    // The journal takes no query: every form lists the one request made since it was cleared.
    await t.http.delete('/__emulator/journal').expect(204);
    await t.http.get('/.well-known/jwks.json').expect(200);
    const journal = (await t.http.get('/__emulator/journal').expect(200)).body as { path: string }[];
    expect(journal.map((e) => e.path)).toEqual(['/.well-known/jwks.json']);
    for (const q of ['?tenant=__proto__', '?tenant=constructor', '?__proto__[tenant]=dev', '?tenant[]=dev']) expect((await t.http.get(`/__emulator/journal${q}`).expect(200)).body, q).toEqual(journal);
    expectClean();

    // A `__proto__` client or user and a `constructor.prototype` audience are not parameters.
    const mint = (body: string) => t.http.post('/__emulator/tokens').set('Content-Type', 'application/json').send(body);
    expect((await mint(polluting).expect(400)).body).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: client' });
    expect((await mint('{"client":"trusted-app","__proto__":{"user":"user@example.com"},"constructor":{"prototype":{"audience":"x"}}}').expect(400)).body).toEqual({
      error: 'invalid_request',
      error_description: 'A client-credentials token needs an audience (or a tenant default_audience).',
    });
    expectClean();

    // Nor are they clock changes: a frozen clock stays where it is.
    const frozen = { now: '2030-01-01T00:00:00.000Z', frozen: true };
    expect((await t.http.post('/__emulator/clock').send({ freeze: frozen.now }).expect(200)).body).toEqual(frozen);
    for (const body of [polluting, '{"__proto__":{"advance":60000},"constructor":{"prototype":{"unfreeze":true}}}']) {
      expect((await t.http.post('/__emulator/clock').set('Content-Type', 'application/json').send(body).expect(200)).body, body).toEqual(frozen);
      expectClean();
    }
  });
});

describe('config values', () => {
  const yaml = (tenantExtra: string, clientExtra = '', userExtra = '', top = '') => `${top}tenants:
  - name: dev
${tenantExtra}    clients:
      - client_id: app
        client_secret: app-secret
${clientExtra}    connections:
      - name: db
        users:
          - email: u@example.com
            password: pw
${userExtra}`;

  /** Either refused with a ConfigError that names the key, or loaded without polluting anything. */
  function refusedOrClean(text: string, key: string): 'refused' | 'loaded' {
    try {
      const config = parseConfigText(text, 'pollution.yaml');
      expectClean();
      // Every object of the loaded config has an ordinary (or no) prototype and no planted key.
      const walk = (value: unknown): void => {
        if (typeof value !== 'object' || value === null) return;
        const proto = Object.getPrototypeOf(value);
        expect([Object.prototype, Array.prototype, null]).toContain(proto);
        for (const name of PLANTED) if (!Object.hasOwn(value, name)) expect((value as Record<string, unknown>)[name]).toBeUndefined();
        Object.values(value).forEach(walk);
      };
      walk(config);
      return 'loaded';
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(key);
      expectClean();
      return 'refused';
    }
  }

  it('__proto__ and constructor in strict places (top level, tenant, client, API, user) are refused as unknown keys', () => {
    const cases: [string, string][] = [
      [yaml('', '', '', '__proto__:\n  x: 1\n'), '__proto__: unknown key'],
      [yaml('', '', '', 'constructor:\n  prototype:\n    x: 1\n'), 'constructor: unknown key'],
      [yaml('    __proto__: { x: 1, polluted: true }\n'), 'tenants[0].__proto__: unknown key'],
      [yaml('    constructor: { prototype: { x: 1 } }\n'), 'tenants[0].constructor: unknown key'],
      [yaml('', '        __proto__: { isAdmin: true }\n'), 'tenants[0].clients[0].__proto__: unknown key'],
      [yaml('', '        constructor: { prototype: { isAdmin: true } }\n'), 'tenants[0].clients[0].constructor: unknown key'],
      [yaml('    apis:\n      - identifier: https://api.example\n        __proto__: { x: 1 }\n'), 'tenants[0].apis[0].__proto__: unknown key'],
      [yaml('', '', '            __proto__: { admin: true }\n'), 'tenants[0].connections[0].users[0].__proto__: unknown key'],
      [yaml('', '', '            constructor: { prototype: { admin: true } }\n'), 'tenants[0].connections[0].users[0].constructor: unknown key'],
      [yaml('    hooks:\n      __proto__: { x: 1 }\n'), 'tenants[0].hooks.__proto__: unknown key'],
      [yaml('    actions:\n      constructor: { prototype: { x: 1 } }\n'), 'tenants[0].actions.constructor: unknown key'],
      [yaml('', '        jwt_configuration: { __proto__: { x: 1 } }\n'), 'tenants[0].clients[0].jwt_configuration.__proto__: unknown key'],
      ['{"__proto__": {"x": 1}, "tenants": [{"name": "dev", "constructor": {"prototype": {"x": 1}}}]}\n', 'unknown key'],
    ];
    for (const [text, message] of cases) expect(refusedOrClean(text, message), message).toBe('refused');
  });

  it('constructor inside free-form maps (metadata, rules configuration, secrets) loads as an ordinary key, without pollution', () => {
    const cases = [
      yaml('', '        client_metadata: { constructor: y, plan: gold }\n'),
      yaml('', '', '            app_metadata: { constructor: { prototype: { isAdmin: true } } }\n'),
      yaml('', '', '            user_metadata:\n              nested: { __proto__: { admin: true }, list: [ { __proto__: { x: 1 } } ] }\n'),
      yaml('    rules_configuration: { constructor: x }\n    secrets: { constructor: y }\n'),
    ];
    for (const text of cases) expect(refusedOrClean(text, 'constructor')).toBe('loaded');
    const config = parseConfigText(cases[0]!, 'pollution.yaml');
    expect(Object.getOwnPropertyDescriptor(config.tenants[0]!.clients[0]!.client_metadata, 'constructor')?.value).toBe('y');
  });

  it('__proto__ as a key of a free-form map is refused at its line (it could only be dropped without a word)', () => {
    const cases: [string, string][] = [
      [yaml('', '        client_metadata: { __proto__: x, plan: gold }\n'), 'tenants[0].clients[0].client_metadata.__proto__'],
      [yaml('', '', '            app_metadata: { __proto__: { isAdmin: true } }\n'), 'tenants[0].connections[0].users[0].app_metadata.__proto__'],
      [yaml('    rules_configuration: { __proto__: polluted }\n'), 'tenants[0].rules_configuration.__proto__'],
      [yaml('    secrets: { __proto__: x }\n'), 'tenants[0].secrets.__proto__'],
    ];
    for (const [text, path] of cases) {
      expect(refusedOrClean(text, path), path).toBe('refused');
      const problem = (() => {
        try {
          parseConfigText(text, 'pollution.yaml');
        } catch (err) {
          return (err as ConfigError).problems[0];
        }
        return undefined;
      })();
      expect(problem, path).toMatchObject({ path, message: '"__proto__" cannot be a key here (JavaScript objects cannot keep it)', line: expect.any(Number) });
    }
  });

  it('a record value that is not a string is refused with a clear error, even under constructor', () => {
    expect(refusedOrClean(yaml('    secrets:\n      constructor: { prototype: { x: 1 } }\n'), 'tenants[0].secrets.constructor')).toBe('refused');
  });

  it('a record value that is not a string is refused with a clear error under __proto__ too', () => {
    expect(refusedOrClean(yaml('    rules_configuration: { __proto__: { x: 1 } }\n'), 'tenants[0].rules_configuration.__proto__')).toBe('refused');
  });

  it('createEmulator refuses a config file with __proto__ in a strict place, and serves one with constructor in metadata', async () => {
    const dir = tempDir();
    try {
      const bad = writeTemp(dir, 'bad.yaml', yaml('    __proto__: { x: 1 }\n    constructor: { prototype: { x: 1 } }\n'));
      const err = await createEmulator({ config: bad, stateDir: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/tenants\[0\]\.__proto__: unknown key/);
      expect((err as Error).message).toMatch(/tenants\[0\]\.constructor: unknown key/);
      expectClean();

      const good = writeTemp(
        dir,
        'good.yaml',
        yaml(
          '    apis:\n      - identifier: https://api.example\n    client_grants:\n      - { client_id: app, audience: https://api.example }\n    default_directory: db\n',
          '        client_metadata: { constructor: y }\n        grant_types: [password, client_credentials]\n',
          '            app_metadata: { constructor: { prototype: { isAdmin: true } } }\n',
        ),
      );
      const emulator = await createEmulator({ config: good, stateDir: false, port: 0 });
      try {
        const res = await fetch(`${emulator.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', client_id: 'app', client_secret: 'app-secret', username: 'u@example.com', password: 'pw', audience: 'https://api.example' }),
        });
        expect(res.status).toBe(200);
        expectClean();
      } finally {
        await emulator.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('createEmulator with a config object from JSON.parse: own __proto__ keys are refused, constructor is harmless in maps', async () => {
    const strict = JSON.parse('{"tenants":[{"name":"dev","__proto__":{"x":1},"clients":[{"client_id":"a","client_secret":"s","constructor":{"prototype":{"x":1}}}]}]}') as AuthEmulatorConfig;
    const err = await createEmulator({ config: strict, stateDir: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('tenants[0].__proto__: unknown key');
    expect((err as Error).message).toContain('tenants[0].clients[0].constructor: unknown key');
    expectClean();

    const protoInMaps = JSON.parse(
      '{"tenants":[{"name":"dev","rules_configuration":{"__proto__":"x"},"clients":[{"client_id":"a","client_secret":"s","client_metadata":{"__proto__":"x"}}],"connections":[{"name":"db","users":[{"email":"u@example.com","password":"pw","app_metadata":{"__proto__":{"isAdmin":true}}}]}]}]}',
    ) as AuthEmulatorConfig;
    const refused = await createEmulator({ config: protoInMaps, stateDir: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems.map((p) => p.path)).toEqual([
      'tenants[0].clients[0].client_metadata.__proto__',
      'tenants[0].connections[0].users[0].app_metadata.__proto__',
      'tenants[0].rules_configuration.__proto__',
    ]);
    expectClean();

    const maps = JSON.parse(
      '{"tenants":[{"name":"dev","secrets":{"constructor":"y"},"connections":[{"name":"db","users":[{"email":"u@example.com","password":"pw","user_metadata":{"constructor":{"prototype":{"isAdmin":true}}}}]}]}]}',
    ) as AuthEmulatorConfig;
    const emulator = await createEmulator({ config: maps, stateDir: false });
    try {
      const user = [...emulator.snapshot.tenants.get('dev')!.usersById.values()][0]!;
      expect((user as unknown as { appMetadata: Record<string, unknown> }).appMetadata.isAdmin).toBeUndefined();
      expectClean();
    } finally {
      await emulator.close();
    }
  });
});
