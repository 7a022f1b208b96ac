/**
 * Who may call the Management API (issue 10, finding 1): only a client-credentials token issued by this tenant
 * at the URL the request comes to, for the Management API itself. The tenant signs with a key file the test
 * also holds, so each check is exercised alone with a token that passes every other one.
 */
import { createPrivateKey } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthEmulatorConfig as ConfigInput } from '../src/index.js';
import { rsaPem, startEmulator, tempDir, writeTemp, type TestEmulator } from './helpers.js';

const OWN_API = 'http://localhost:3000/api/v2/'; // the user's own API, named like a Management API
const pem = rsaPem();
const keyFile = writeTemp(tempDir(), 'dev.pem', pem);
const privateKey = createPrivateKey(pem);

const config: ConfigInput = {
  tenants: [
    {
      name: 'dev',
      default: true,
      signing_key: keyFile,
      default_directory: 'db',
      apis: [
        { identifier: OWN_API, scopes: ['read:users', 'delete:users'] },
        { identifier: 'https://myapp.example/api/v2/', scopes: ['read:orders'] },
      ],
      clients: [
        { client_id: 'spa', app_type: 'spa', token_endpoint_auth_method: 'none', grant_types: ['password'] },
        { client_id: 'admin', client_secret: 'admin-secret', app_type: 'non_interactive', grant_types: ['client_credentials'] },
        { client_id: 'own-m2m', client_secret: 'own-m2m-secret', app_type: 'non_interactive', grant_types: ['client_credentials'] },
      ],
      client_grants: [
        { client_id: 'admin', audience: 'http://localhost/api/v2/', scope: ['read:users', 'delete:users'] },
        { client_id: 'own-m2m', audience: OWN_API, scope: ['read:users', 'delete:users'] },
      ],
      connections: [{ name: 'db', users: [{ email: 'alice@x.test', password: 'pwd' }, { email: 'bob@x.test', password: 'pwd' }] }],
    },
    // Same key file: only `iss` tells the tenants' tokens apart.
    { name: 'other', signing_key: keyFile, clients: [{ client_id: 'admin', client_secret: 'admin-secret', app_type: 'non_interactive', grant_types: ['client_credentials'] }],
      client_grants: [{ client_id: 'admin', audience: 'http://localhost/api/v2/', scope: ['read:users', 'delete:users'] }] },
  ],
};

let t: TestEmulator;
let issuer: string;
beforeAll(async () => {
  t = await startEmulator({ config });
  issuer = t.emulator.tenants.dev!.issuer;
});
afterAll(() => t?.close());

const unauthorized = (message: string) => ({ statusCode: 401, error: 'Unauthorized', message });
const listUsers = (token: string, host?: string) => {
  const req = t.http.get('/api/v2/users').set('Authorization', `Bearer ${token}`);
  return host ? req.set('Host', host) : req;
};

/** A token signed with the tenant's own key: by default a valid Management API token for `admin`. */
function signed(claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: issuer, sub: 'admin@clients', aud: `${issuer}api/v2/`, iat: now, exp: now + 600, azp: 'admin', scope: 'read:users', gty: 'client-credentials', ...claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .sign(privateKey);
}

describe('the Management API refuses', () => {
  it("a user's token for an API of the tenant's own named like the Management API, whatever the Host (the issue's reproduction)", async () => {
    const login = await t.http.post('/oauth/token').type('form')
      .send({ grant_type: 'password', username: 'alice@x.test', password: 'pwd', client_id: 'spa', audience: OWN_API }).expect(200);
    const token = login.body.access_token as string;
    const direct = await listUsers(token);
    expect(direct.status).toBe(401);
    expect(direct.body).toEqual(unauthorized(`Bad audience: ${OWN_API}`));
    const spoofed = await listUsers(token, 'localhost:3000');
    expect(spoofed.status).toBe(401);
    expect(spoofed.body).toEqual(unauthorized('Invalid token'));

    // The same login made through the spoofed Host (so `iss` matches it) is refused too.
    const viaHost = await t.http.post('/oauth/token').set('Host', 'localhost:3000').type('form')
      .send({ grant_type: 'password', username: 'alice@x.test', password: 'pwd', client_id: 'spa', audience: OWN_API }).expect(200);
    const res = await listUsers(viaHost.body.access_token as string, 'localhost:3000');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('Invalid token'));
    expect(t.emulator.listUsers({ tenant: 'dev' })).toHaveLength(2);
  });

  it("a client-credentials token for the tenant's own API of that name", async () => {
    const m2m = await t.http.post('/oauth/token').set('Host', 'localhost:3000').type('form')
      .send({ grant_type: 'client_credentials', client_id: 'own-m2m', client_secret: 'own-m2m-secret', audience: OWN_API }).expect(200);
    const res = await listUsers(m2m.body.access_token as string, 'localhost:3000');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('Invalid token'));
  });

  it('a token whose iss is not the issuer of the URL it is used at', async () => {
    const res = await listUsers(await signed({ iss: 'http://localhost:3000/' }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('Invalid token'));
  });

  it("another tenant's Management API token, even signed with the same key", async () => {
    const other = t.emulator.tenants.other!.issuer;
    const m2m = await t.http.post('/other/oauth/token').type('form')
      .send({ grant_type: 'client_credentials', client_id: 'admin', client_secret: 'admin-secret', audience: `${other}api/v2/` }).expect(200);
    expect((await t.http.get('/other/api/v2/users').set('Authorization', `Bearer ${m2m.body.access_token}`)).status).toBe(200);
    const res = await listUsers(m2m.body.access_token as string);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('Invalid token'));
  });

  it("a user's token for the Management API audience", async () => {
    const res = await listUsers(await signed({ sub: 'auth0|alice', gty: 'password' }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unauthorized('Invalid token'));
  });

  it('a client-credentials token whose sub is not its azp, or whose client does not exist in the tenant', async () => {
    for (const claims of [{ sub: 'someone-else@clients' }, { sub: 'ghost@clients', azp: 'ghost' }]) {
      const res = await listUsers(await signed(claims));
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorized('Invalid token'));
    }
  });

  it('tokens signed by another key, or with alg none', async () => {
    const foreign = await new SignJWT({ iss: issuer, sub: 'admin@clients', aud: `${issuer}api/v2/`, azp: 'admin', scope: 'read:users', gty: 'client-credentials' })
      .setProtectedHeader({ alg: 'RS256' }).setExpirationTime('10m').sign(createPrivateKey(rsaPem()));
    const valid = await signed();
    const [, payload] = valid.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    for (const token of [foreign, none]) {
      const res = await listUsers(token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorized('Invalid token'));
    }
  });
});

describe('the Management API accepts', () => {
  it('a client-credentials token issued through a Management API client grant (and the forged test token shape)', async () => {
    const m2m = await t.http.post('/oauth/token').type('form')
      .send({ grant_type: 'client_credentials', client_id: 'admin', client_secret: 'admin-secret', audience: `${issuer}api/v2/` }).expect(200);
    for (const token of [m2m.body.access_token as string, await signed()]) {
      const res = await listUsers(token);
      expect(res.status).toBe(200);
      expect((res.body as { email: string }[]).map((u) => u.email).sort()).toEqual(['alice@x.test', 'bob@x.test']);
    }
  });
});

describe("a client grant for the tenant's own API ending in /api/v2/", () => {
  it('is a grant for that API, not for the Management API', async () => {
    // `admin` has a Management API grant but none for this API of the user's.
    const res = await t.http.post('/oauth/token').type('form')
      .send({ grant_type: 'client_credentials', client_id: 'admin', client_secret: 'admin-secret', audience: 'https://myapp.example/api/v2/' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'access_denied',
      error_description: 'Client is not authorized to access "https://myapp.example/api/v2/". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants',
    });
  });

  it("is checked against that API's scopes, not the Management API's", async () => {
    const own = { name: 'x', default: true, apis: [{ identifier: 'https://myapp.example/api/v2/', scopes: ['read:orders'] }],
      clients: [{ client_id: 'm2m', client_secret: 's', app_type: 'non_interactive', grant_types: ['client_credentials'] }],
      client_grants: [{ client_id: 'm2m', audience: 'https://myapp.example/api/v2/', scope: ['read:orders'] }] };
    const e = await startEmulator({ config: { tenants: [own] } as ConfigInput });
    try {
      const res = await e.http.post('/oauth/token').type('form')
        .send({ grant_type: 'client_credentials', client_id: 'm2m', client_secret: 's', audience: 'https://myapp.example/api/v2/' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'read:orders', token_type: 'Bearer' });
    } finally {
      await e.close();
    }
  });
});
