/**
 * Peer: oauth2-mock-server (axa-group), with the bench's RSA key. Token endpoint: POST /token
 * (client_credentials: one JWT; password: access token + ID token + a random refresh token).
 *
 *   node bench/servers/oauth2-mock-server.js <baseline.json>
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OAuth2Server } from 'oauth2-mock-server';

/** @type {{ pem: string, kid: string }} */
const input = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
const jwk = createPrivateKey(input.pem).export({ format: 'jwk' });
const server = new OAuth2Server();
await server.issuer.keys.add({ ...jwk, kid: input.kid, alg: 'RS256', use: 'sig' });
await server.start(0, '127.0.0.1');
console.log(`Ready on http://127.0.0.1:${server.address().port}`);
const stop = () => void server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
