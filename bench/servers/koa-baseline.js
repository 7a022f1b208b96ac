/**
 * The baselines the emulator is compared with, in a process of their own:
 *   POST /oauth/token  the "reference": reads the request body, signs one RS256 JWT (the typical payload,
 *                      fresh iat/exp) with a pre-imported KeyObject and node:crypto's async sign, answers
 *                      Auth0's token response shape. Nothing else: no client, grant or user checks.
 *   GET  /jwks         "bare koa": a fixed JSON body (the emulator's JWKS, byte for byte)
 *   GET  /discovery    "bare koa": a fixed JSON body (the emulator's discovery document, byte for byte)
 *
 *   node bench/servers/koa-baseline.js <baseline.json>   (see bench/http.js for the file's fields)
 */
import { createServer } from 'node:http';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Koa from 'koa';

/** @type {{ pem: string, kid: string, payload: Record<string, unknown>, jwksBody: string, discoveryBody: string }} */
const input = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
const key = createPrivateKey(input.pem);
/** @param {unknown} v */
const b64url = (v) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
const header = b64url({ alg: 'RS256', typ: 'JWT', kid: input.kid });

/** @param {Record<string, unknown>} payload @returns {Promise<string>} */
function signJwt(payload) {
  const data = `${header}.${b64url(payload)}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(data, 'utf8'), key, (err, sig) => (err ? reject(err) : resolve(`${data}.${sig.toString('base64url')}`)));
  });
}

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method === 'POST' && ctx.path === '/oauth/token') {
    /** @type {Buffer[]} */
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const iat = Math.floor(Date.now() / 1000);
    const accessToken = await signJwt({ ...input.payload, iat, exp: iat + 86_400 });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { access_token: accessToken, scope: input.payload.scope, expires_in: 86_400, token_type: 'Bearer' };
  } else if (ctx.method === 'GET' && ctx.path === '/jwks') {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = input.jwksBody;
  } else if (ctx.method === 'GET' && ctx.path === '/discovery') {
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = input.discoveryBody;
  }
});

const server = createServer(app.callback());
server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`Ready on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
