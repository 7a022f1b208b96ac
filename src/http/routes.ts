/**
 * The tenant endpoints. Each route reads the request, calls the koa-free endpoint function and sets the
 * body; errors are thrown and rendered by render-error.ts. Well-known documents are precomputed per
 * tenant snapshot (and issuer) and served with an ETag.
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { discoveryDocument } from '../endpoints/discovery.js';
import { revoke } from '../endpoints/revoke.js';
import { exchange, type TenantEnv } from '../endpoints/token.js';
import { userinfo } from '../endpoints/userinfo.js';
import { grants } from '../grants/registry.js';
import type { Tenant } from '../model/tenant.js';
import { throwIfUnmatched } from './unmatched.js';
import { etagOf, type TenantKey } from '../tokens/key-store.js';
import { readParams } from './body.js';
import type { TenantState } from './tenant.js';

export interface RouteDeps {
  env(tenant: Tenant, issuer: string): Promise<TenantEnv>;
}

interface Precomputed {
  body: string;
  etag: string;
}

function precomputed(value: unknown): Precomputed {
  const body = JSON.stringify(value);
  return { body, etag: etagOf(body) };
}

function sendPrecomputed(ctx: Context, doc: Precomputed): void {
  ctx.set('ETag', doc.etag);
  ctx.set('Cache-Control', 'no-cache');
  ctx.type = 'application/json; charset=utf-8';
  if (ctx.get('If-None-Match') === doc.etag) {
    ctx.status = 304;
    return;
  }
  ctx.body = doc.body;
}

function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

const jwksCache = new WeakMap<TenantKey, Precomputed>();
const discoveryCache = new WeakMap<Tenant, Map<string, Precomputed>>();
/** The issuer comes from the Host header, which any client sets: bound the per-tenant cache. */
const MAX_ISSUERS_PER_TENANT = 32;

export function tenantRouter(deps: RouteDeps): Router {
  const router = new Router();
  const state = (ctx: Context) => ctx.state as TenantState & { grant?: string; client?: string; user?: string };

  router.post('/oauth/token', async (ctx) => {
    const { tenant, issuer } = state(ctx);
    noStore(ctx);
    const params = await readParams(ctx);
    if (params.grant_type && grants.has(params.grant_type)) state(ctx).grant = params.grant_type;
    const env = await deps.env(tenant, issuer);
    const result = await exchange(env, params, ctx.get('Authorization') || undefined, {
      id: (ctx.state as { requestId: string }).requestId,
      ip: ctx.ip,
      userAgent: ctx.get('User-Agent') || undefined,
      hostname: ctx.hostname,
    }).catch((err: unknown) => {
      if (params.client_id && tenant.clients.has(params.client_id)) state(ctx).client = params.client_id;
      throw err;
    });
    state(ctx).client = result.clientId;
    if (result.userId) state(ctx).user = result.userId;
    ctx.body = result.response;
  });

  const userinfoRoute = async (ctx: Context) => {
    const { tenant, issuer } = state(ctx);
    noStore(ctx);
    const env = await deps.env(tenant, issuer);
    ctx.body = await userinfo(tenant, env.key, env.extensions.userinfoClaims, ctx.get('Authorization') || undefined, env.now());
  };
  router.get('/userinfo', userinfoRoute);
  router.post('/userinfo', userinfoRoute);

  router.post('/oauth/revoke', async (ctx) => {
    const { tenant, issuer } = state(ctx);
    noStore(ctx);
    const params = await readParams(ctx);
    const env = await deps.env(tenant, issuer);
    state(ctx).client = revoke(tenant, env.refreshTokens, params, ctx.get('Authorization') || undefined).clientId;
    ctx.status = 200;
    ctx.body = '';
  });

  router.get('/.well-known/jwks.json', async (ctx) => {
    const { tenant, issuer } = state(ctx);
    const { key } = await deps.env(tenant, issuer);
    let doc = jwksCache.get(key);
    if (!doc) jwksCache.set(key, (doc = precomputed({ keys: [key.jwk] })));
    sendPrecomputed(ctx, doc);
  });

  const discovery = (ctx: Context) => {
    const { tenant, issuer } = state(ctx);
    let byIssuer = discoveryCache.get(tenant);
    if (!byIssuer) discoveryCache.set(tenant, (byIssuer = new Map()));
    let doc = byIssuer.get(issuer);
    if (!doc) {
      if (byIssuer.size >= MAX_ISSUERS_PER_TENANT) byIssuer.clear();
      byIssuer.set(issuer, (doc = precomputed(discoveryDocument(issuer))));
    }
    sendPrecomputed(ctx, doc);
  };
  // Auth0 serves the same document at both addresses (reference §7.1).
  router.get('/.well-known/openid-configuration', discovery);
  router.get('/.well-known/oauth-authorization-server', discovery);

  return router;
}

/**
 * Wraps the router: a known path with the wrong method becomes 405 `method_not_allowed` (with `Allow`),
 * an unknown path 404 `not_found`, both in Auth0's error shape.
 */
export function routeFallbacks() {
  return async function fallbacks(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    await next();
    throwIfUnmatched(ctx);
  };
}
