/**
 * The emulator as a user runs it: the CLI (`node dist/cli.js --port 0 --quiet --config …`) in a process of
 * its own, on a config in a temp folder (so keys and refresh tokens land in that folder's .auth-emulator/).
 * Also the requests the benchmarks send to the example config's tenant.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { spawnServer } from './children.js';
import { postJson } from './load.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const EXAMPLE_CONFIG = fileURLToPath(new URL('../../auth.config.yaml', import.meta.url));
export const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';

/** What the example config defines (auth.config.yaml); the benchmarks check these work before measuring. */
export const EXAMPLE = {
  tenant: 'dev',
  clientId: 'trusted-app',
  clientSecret: 'trusted-app-secret',
  audience: 'https://someapi.com/api',
  user: { username: 'user@example.com', password: 'pwd' },
  realm: { realm: 'employees', username: 'boss@corp.example', password: 's3cret' },
};

/** A trivial rule: passes the user and context through unchanged. */
export const TRIVIAL_RULE = 'function (user, context, callback) {\n  callback(null, user, context);\n}\n';

/**
 * Copies the example config into `dir` (optionally with the trivial rule) and returns the config's path.
 * @param {string} dir
 * @param {{ rule?: boolean }} [o]
 */
export function writeExampleConfig(dir, o = {}) {
  const file = join(dir, 'auth.config.yaml');
  if (!o.rule) {
    copyFileSync(EXAMPLE_CONFIG, file);
    return file;
  }
  const doc = parseDocument(readFileSync(EXAMPLE_CONFIG, 'utf8'));
  doc.setIn(['tenants', 0, 'rules'], './rules.js');
  writeFileSync(file, doc.toString());
  writeFileSync(join(dir, 'rules.js'), TRIVIAL_RULE);
  return file;
}

/**
 * Starts the CLI on `config` (port 0, quiet) and waits for its "Ready on" line.
 * @param {string} config
 * @param {{ name?: string, signal?: AbortSignal, nodeArgs?: string[], timeoutMs?: number, cwd?: string }} [o]
 */
export function spawnEmulator(config, o = {}) {
  return spawnServer({
    name: o.name ?? 'emulator',
    args: [...(o.nodeArgs ?? []), CLI, '--port', '0', '--quiet', '--config', config],
    cwd: o.cwd ?? join(config, '..'),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
  });
}

/**
 * The token requests of the example tenant. `password` asks for the API only (one signature, like
 * client credentials); `passwordOpenid` asks for `openid profile email offline_access` (access token,
 * ID token and a refresh token: two signatures), the shape the peers' password grants answer with.
 * @param {string} base the emulator's URL
 */
export function exampleRequests(base) {
  const token = `${base}/oauth/token`;
  const client = { client_id: EXAMPLE.clientId, client_secret: EXAMPLE.clientSecret };
  return {
    clientCredentials: postJson(token, { grant_type: 'client_credentials', ...client, audience: EXAMPLE.audience }),
    password: postJson(token, { grant_type: 'password', ...EXAMPLE.user, ...client, audience: EXAMPLE.audience, scope: 'read:sample' }),
    passwordOpenid: postJson(token, { grant_type: 'password', ...EXAMPLE.user, ...client, audience: EXAMPLE.audience, scope: 'openid profile email offline_access' }),
    passwordRealm: postJson(token, { grant_type: PASSWORD_REALM, ...EXAMPLE.realm, ...client, audience: EXAMPLE.audience, scope: 'read:sample' }),
    /** @param {string} refreshToken */
    refresh: (refreshToken) => postJson(token, { grant_type: 'refresh_token', ...client, refresh_token: refreshToken }),
    /** @param {string} accessToken @returns {import('./load.js').Target} */
    userinfo: (accessToken) => ({ url: `${base}/userinfo`, method: 'GET', headers: { authorization: `Bearer ${accessToken}` } }),
    /** @type {import('./load.js').Target} */
    jwks: { url: `${base}/.well-known/jwks.json` },
    /** @type {import('./load.js').Target} */
    discovery: { url: `${base}/.well-known/openid-configuration` },
  };
}

/**
 * The payload of a compact JWS.
 * @param {string} jwt
 * @returns {Record<string, unknown>}
 */
export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}
