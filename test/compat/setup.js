/**
 * The emulator every row of the compatibility matrix talks to, and the tokens the resource-server rows are
 * given: real grants over HTTP for the user and the machine token, the programmatic API for the rest.
 */
import assert from 'node:assert/strict';
import { createEmulator } from 'auth-emulator';

export const AUDIENCE = 'https://compat.example/api';
export const OTHER_AUDIENCE = 'https://other.example/api';
export const CLIENT = { id: 'compat-app', secret: 'compat-app-secret' };
/** A client with no grant, for the client-grant CRUD of the Management API rows. */
export const OTHER_CLIENT = { id: 'compat-other', secret: 'compat-other-secret' };
export const USER = { username: 'user@example.com', password: 'pwd' };

/** One tenant, so it is served at the root of the emulator's origin (what SDKs taking a bare domain need). */
export const config = {
  tenants: [
    {
      name: 'compat',
      default_directory: 'Username-Password-Authentication',
      apis: [
        { identifier: AUDIENCE, scopes: ['read:messages'], allow_offline_access: true },
        { identifier: OTHER_AUDIENCE, scopes: ['read:other'] },
      ],
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          name: 'Compat App',
          app_type: 'non_interactive',
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['password', 'refresh_token', 'client_credentials'],
        },
        { client_id: OTHER_CLIENT.id, client_secret: OTHER_CLIENT.secret, name: 'Compat Other', app_type: 'non_interactive', grant_types: ['client_credentials'] },
      ],
      client_grants: [
        { client_id: CLIENT.id, audience: AUDIENCE, scope: ['read:messages'] },
        { client_id: CLIENT.id, audience: OTHER_AUDIENCE, scope: ['read:other'] },
        {
          client_id: CLIENT.id,
          audience: 'https://localhost/api/v2/',
          scope: ['read:users', 'create:users', 'update:users', 'delete:users', 'read:clients', 'create:clients', 'update:clients', 'delete:clients', 'read:client_grants', 'create:client_grants', 'update:client_grants', 'delete:client_grants'],
        },
      ],
      connections: [{ name: 'Username-Password-Authentication', users: [{ email: USER.username, password: USER.password, name: 'Compat User' }] }],
    },
  ],
};

async function tokenRequest(issuer, params) {
  const res = await fetch(`${issuer}oauth/token`, { method: 'POST', body: new URLSearchParams({ client_id: CLIENT.id, client_secret: CLIENT.secret, ...params }) });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

/** A copy of `jwt` whose signature has one character changed (in the middle, where every bit counts). */
function tamper(jwt) {
  const [header, payload, signature] = jwt.split('.');
  const i = Math.floor(signature.length / 2);
  const swapped = signature[i] === 'A' ? 'B' : 'A';
  return [header, payload, signature.slice(0, i) + swapped + signature.slice(i + 1)].join('.');
}

/**
 * Starts the emulator (http on a free port, https on another with a certificate from a CA made in `caDir`)
 * and gets the tokens.
 */
export async function startCompatEmulator(caDir) {
  // The local CA lives where AUTH_EMULATOR_CA_DIR says: a fresh one per run, not the developer's own.
  process.env.AUTH_EMULATOR_CA_DIR = caDir;
  const emulator = await createEmulator({ config, port: 0, stateDir: false, https: true, httpsPort: 0 });
  const issuer = emulator.tenants.compat.issuer;
  const user = await tokenRequest(issuer, { grant_type: 'password', username: USER.username, password: USER.password, audience: AUDIENCE, scope: 'openid profile email' });
  const machine = await tokenRequest(issuer, { grant_type: 'client_credentials', audience: AUDIENCE });
  const tokens = {
    user: user.access_token,
    machine: machine.access_token,
    wrongAudience: (await tokenRequest(issuer, { grant_type: 'client_credentials', audience: OTHER_AUDIENCE })).access_token,
    // Ten minutes past expiry: beyond any library's default clock tolerance.
    expired: await emulator.accessToken({ client: CLIENT.id, user: USER.username, audience: AUDIENCE, expiresIn: -600 }),
    tampered: tamper(user.access_token),
    idToken: user.id_token,
  };
  // The SDKs that take a bare domain reach the root tenant at https://localhost:<port>.
  const domain = `localhost:${new URL(emulator.httpsUrl).port}`;
  const https = { domain, issuer: `https://${domain}/`, caFile: emulator.caFile };
  return { emulator, issuer, jwksUri: emulator.tenants.compat.jwksUri, audience: AUDIENCE, client: CLIENT, user: USER, tokens, https };
}

/** What a resource server must do with each token. */
export const EXPECTED = { user: true, machine: true, wrongAudience: false, expired: false, tampered: false, idToken: false };
