/**
 * Peer: @simulacrum/auth0-simulator (thefrontside), its default user and default options.
 *
 * Its `simulation()` always serves HTTPS with a mkcert certificate read from ~/.simulacrum/certs (and refuses
 * to start without one). To compare like with like over plain HTTP, this builds the very same app the way
 * `simulation()` does (same config, store and router modules from its dist/), with the foundation server's
 * `protocol: 'http'`. It loads the CommonJS build, as its own `auth0-simulator` bin does: in the ESM build
 * (0.11.4) every token request fails with "jwt.sign is not a function". Token endpoint: POST /oauth/token
 * (client_credentials: one JWT; password: access token + ID token + refresh token, signed with jsonwebtoken,
 * synchronously, parsing the PEM key on every signature).
 *
 *   node bench/servers/auth0-simulator.js     (run in an empty folder: its config is looked up with cosmiconfig)
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('@simulacrum/auth0-simulator/package.json'));
/** @param {string} file @returns {any} */
const load = (file) => require(join(pkgDir, 'dist', file));
const { getConfig } = load('config/get-config.cjs');
const { extendStore } = load('store/index.cjs');
const { extendRouter } = load('handlers/index.cjs');
const { defaultUser } = load('store/entities.cjs');
/** @type {any} */
const foundation = createRequire(join(pkgDir, 'package.json'))('@simulacrum/foundation-simulator');
const { createFoundationSimulationServer } = foundation;

const config = getConfig(undefined);
const app = createFoundationSimulationServer({
  port: 0,
  protocol: 'http',
  extendStore: extendStore(undefined, undefined),
  extendRouter: extendRouter(config, undefined, false),
})();
const { port } = await app.listen(0, '127.0.0.1');
console.log(JSON.stringify({ user: { email: defaultUser.email, password: defaultUser.password }, clientId: config.clientID, audience: config.audience }));
console.log(`Ready on http://127.0.0.1:${port}`);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
