/**
 * Issue 10, finding 9: custom claims whose names are also members of Object.prototype (`constructor`,
 * `toString`, `valueOf`, `hasOwnProperty`) land in the tokens and /userinfo exactly as set, from a rule and
 * from an Action; `__proto__` is refused with a log line (it would set the prototype of the object a JavaScript
 * client copies the claims into), and the explain line names only what was set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig, ExtensionLogEntry, RequestLogEntry } from '../src/index.js';
import { API, startEmulator, verifyWithServedJwks, type TestEmulator } from './helpers.js';

type TenantInput = AuthEmulatorConfig['tenants'][number];
const DIR = 'test/fixtures/claim-names';
const CLIENT = { client_id: 'app', client_secret: 'app-secret' } as const;
const USER = { username: 'user@example.com', password: 'pwd' };

function tenant(name: string, extra: Partial<TenantInput>): TenantInput {
  return {
    name,
    default_directory: 'db',
    apis: [{ identifier: API, scopes: ['read:sample'] }],
    clients: [{ ...CLIENT, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password', 'client_credentials'] }],
    client_grants: [{ client_id: 'app', audience: API, scope: ['read:sample'] }],
    connections: [{ name: 'db', users: [{ email: USER.username, password: USER.password }] }],
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
        tenant('rule', { rules: [`${DIR}/rule.js`] }),
        tenant('action', { actions: { 'post-login': [`${DIR}/action.js`] } }),
        tenant('m2m', { actions: { 'credentials-exchange': [`${DIR}/m2m-action.js`] } }),
      ],
    },
    extensionLog: (e) => logs.push(e),
    log: (e) => requests.push(e),
  });
});
afterAll(() => t.close());

/** The entries logged for the last request to `path`. */
function logsOf(path: string) {
  const request = requests.filter((r) => r.path === path).at(-1)!;
  return logs.filter((e) => e.requestId === request.id).map(({ file, level, text }) => ({ file, level, text }));
}

const PROTO_REASON = "a name that sets an object's prototype in JavaScript";

describe('claims named like Object.prototype members', () => {
  it('a rule sets constructor, toString, valueOf and hasOwnProperty on both tokens and /userinfo; __proto__ is refused with a log line', async () => {
    const res = await t.http
      .post('/rule/oauth/token')
      .send({ grant_type: 'password', ...USER, ...CLIENT, audience: API, scope: 'openid read:sample' })
      .expect(200);
    const set = { constructor: 'made by a rule', toString: 'ts', valueOf: 1, hasOwnProperty: true, 'https://example.com/tier': 'gold' };
    const access = await verifyWithServedJwks(t.http, res.body.access_token, { prefix: '/rule' });
    const id = await verifyWithServedJwks(t.http, res.body.id_token, { prefix: '/rule' });
    expect(access).toMatchObject(set);
    expect(id).toMatchObject(set);
    for (const payload of [access, id]) expect(Object.keys(payload)).not.toContain('__proto__');
    const info = await t.http.get('/rule/userinfo').set('authorization', `Bearer ${res.body.access_token}`).expect(200);
    expect(info.body).toMatchObject(set);
    expect(Object.keys(info.body)).not.toContain('__proto__');

    const file = `${DIR}/rule.js`;
    const values = 'constructor="made by a rule", toString="ts", valueOf=1, hasOwnProperty=true, https://example.com/tier="gold"';
    expect(logsOf('/rule/oauth/token')).toEqual([
      { file, level: 'warn', text: `access_token claim "__proto__" ignored: ${PROTO_REASON}` },
      { file, level: 'warn', text: `id_token claim "__proto__" ignored: ${PROTO_REASON}` },
      {
        file: '-',
        level: 'explain',
        text: `user@example.com via app: ${file}: ${values.replace(/(^|, )/g, '$1access_token ')}, ${values.replace(/(^|, )/g, '$1id_token ')}`,
      },
    ]);
  });

  it('a post-login Action sets them with setCustomClaim (and app_metadata); __proto__ is refused with a log line', async () => {
    const res = await t.http
      .post('/action/oauth/token')
      .send({ grant_type: 'password', ...USER, ...CLIENT, audience: API, scope: 'openid read:sample' })
      .expect(200);
    const set = { constructor: 'made by an Action', toString: 'ts', valueOf: 1, hasOwnProperty: true };
    const access = await verifyWithServedJwks(t.http, res.body.access_token, { prefix: '/action' });
    const id = await verifyWithServedJwks(t.http, res.body.id_token, { prefix: '/action' });
    expect(access).toMatchObject(set);
    expect(id).toMatchObject(set);
    for (const payload of [access, id]) {
      expect(Object.keys(payload)).not.toContain('__proto__');
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    }
    const info = await t.http.get('/action/userinfo').set('authorization', `Bearer ${res.body.access_token}`).expect(200);
    expect(info.body).toMatchObject(set);

    const file = `${DIR}/action.js`;
    const changes = ['constructor="made by an Action"', 'toString="ts"', 'valueOf=1', 'hasOwnProperty=true'].flatMap((c) => [`access_token ${c}`, `id_token ${c}`]);
    expect(logsOf('/action/oauth/token')).toEqual([
      { file, level: 'warn', text: `access_token claim "__proto__" ignored: ${PROTO_REASON}` },
      { file, level: 'warn', text: `id_token claim "__proto__" ignored: ${PROTO_REASON}` },
      { file, level: 'warn', text: `app_metadata key "__proto__" ignored: ${PROTO_REASON}` },
      { file: '-', level: 'explain', text: `user@example.com via app: ${file}: ${[...changes, 'app_metadata.constructor set'].join(', ')}` },
    ]);
    const user = t.emulator.getUser(USER.username, { tenant: 'action' });
    expect(user?.app_metadata).toEqual({ constructor: 'kept' });
    expect(Object.getPrototypeOf(user?.app_metadata)).toBe(Object.prototype);
  });

  it('a credentials-exchange Action sets them on the client-credentials token', async () => {
    const res = await t.http.post('/m2m/oauth/token').send({ grant_type: 'client_credentials', ...CLIENT, audience: API }).expect(200);
    const access = await verifyWithServedJwks(t.http, res.body.access_token, { prefix: '/m2m' });
    expect(access).toMatchObject({ constructor: 'made by an Action', valueOf: 2 });
    expect(Object.keys(access)).not.toContain('__proto__');
    const file = `${DIR}/m2m-action.js`;
    expect(logsOf('/m2m/oauth/token')).toEqual([
      { file, level: 'warn', text: `access_token claim "__proto__" ignored: ${PROTO_REASON}` },
      { file: '-', level: 'explain', text: `app@clients: ${file}: access_token constructor="made by an Action", access_token valueOf=2` },
    ]);
  });
});
