// @fastify/jwt with get-jwks (get-jwks's README, "@fastify/jwt"): the key is fetched from the token's issuer,
// so get-jwks is told which issuers to trust, and @fastify/jwt checks the issuer and the audience.
import Fastify from 'fastify';
import fjwt from '@fastify/jwt';
import buildGetJwks from 'get-jwks';

export const library = '@fastify/jwt + get-jwks';
export const packages = ['@fastify/jwt', 'get-jwks', 'fastify'];
export const settings = 'issuersWhitelist (get-jwks); verify.allowedIss, allowedAud';

export async function resourceServer({ issuer, audience }) {
  const fastify = Fastify();
  const getJwks = buildGetJwks({ issuersWhitelist: [issuer] });
  fastify.register(fjwt, {
    decode: { complete: true },
    secret: (request, token, callback) => {
      const { header: { kid, alg }, payload: { iss } } = token;
      getJwks.getPublicKey({ kid, domain: iss, alg }).then((publicKey) => callback(null, publicKey), callback);
    },
    verify: { allowedIss: issuer, allowedAud: audience, algorithms: ['RS256'] },
  });
  fastify.addHook('onRequest', async (request) => {
    await request.jwtVerify();
  });
  fastify.get('/api/private', async (request) => ({ sub: request.user.sub }));
  const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
  return {
    async accepts(token) {
      const res = await fetch(`${base}/api/private`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status === 200) return true;
      if (res.status === 401) return false;
      throw new Error(`GET /api/private answered ${res.status}`);
    },
    close: () => fastify.close(),
  };
}
