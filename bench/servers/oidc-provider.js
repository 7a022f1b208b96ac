/**
 * Peer: oidc-provider (panva), with the bench's RSA key, one confidential client allowed the
 * client_credentials grant and one resource server that gets JWT access tokens (RS256), made the default
 * resource, so a plain client-credentials request gets a JWT access token as Auth0 gives. Token endpoint:
 * POST /token (form-encoded, as oidc-provider requires).
 *
 *   node bench/servers/oidc-provider.js <baseline.json>
 */
import { createServer } from 'node:http';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

/** @type {{ pem: string, kid: string, audience: string, scope: string, clientId: string, clientSecret: string }} */
const input = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
const jwk = { ...createPrivateKey(input.pem).export({ format: 'jwk' }), kid: input.kid, alg: 'RS256', use: 'sig' };

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: input.clientId,
      client_secret: input.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [/** @type {any} */ (jwk)] },
  scopes: input.scope.split(' '),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => input.audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== input.audience) throw new Error(`unknown resource ${resource}`);
        return { scope: input.scope, audience: input.audience, accessTokenFormat: 'jwt', accessTokenTTL: 86_400, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
});
server.on('request', provider.callback());
console.log(`Ready on http://127.0.0.1:${port}`);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
