// koa-jwt with jwks-rsa's koaJwtSecret (koa-jwt's README).
import Koa from 'koa';
import jwt from 'koa-jwt';
import jwksRsa from 'jwks-rsa';
import { serve } from '../http-server.js';

export const library = 'koa-jwt + jwks-rsa';
export const packages = ['koa-jwt', 'jwks-rsa', 'koa'];
export const settings = 'jwksUri, issuer, audience';

export async function resourceServer({ issuer, jwksUri, audience }) {
  const app = new Koa();
  app.use(jwt({ secret: jwksRsa.koaJwtSecret({ jwksUri, cache: true, cacheMaxEntries: 5, cacheMaxAge: 36_000_000 }), audience, issuer, algorithms: ['RS256'] }));
  app.use((ctx) => {
    if (ctx.path === '/api/private') ctx.body = { sub: ctx.state.user.sub };
  });
  return serve(app.callback());
}
