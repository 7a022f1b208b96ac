/**
 * The tenant endpoints, as the route table (routes.ts) names them. Each route reads the request, calls the
 * koa-free endpoint function and sets the body; errors are thrown and rendered by render-error.ts.
 * (Well-known documents: well-known.ts.)
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { revoke } from '../endpoints/revoke.js';
import { exchange, type ExchangeNote, type TenantEnv } from '../endpoints/token.js';
import { userinfo } from '../endpoints/userinfo.js';
import type { Tenant } from '../model/tenant.js';
import { clientCorsHeaders } from './cors.js';
import { throwIfUnmatched } from './unmatched.js';
import { logoutRoutes } from './logout-routes.js';
import { readParams } from './body.js';
import { browserRoutes } from './browser-routes.js';
import { routerFor } from './koa-routes.js';
import type { TenantState } from './tenant.js';
import { wellKnownRoute, type WellKnownDeps } from './well-known.js';

export interface RouteDeps extends WellKnownDeps {
  env(tenant: Tenant, issuer: string): TenantEnv;
}

function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

export function tenantRouter(deps: RouteDeps): Router {
  const state = (ctx: Context) => ctx.state as TenantState & { grant?: string; client?: string; user?: string };

  const userinfoRoute = async (ctx: Context) => {
    const { tenant, issuer } = state(ctx);
    noStore(ctx);
    const env = deps.env(tenant, issuer);
    ctx.body = await userinfo(tenant, env.key, issuer, env.extensions.userinfoClaims, ctx.get('Authorization') || undefined, env.now());
  };

  return routerFor<'tenant'>('tenant', {
    token: async (ctx) => {
      const { tenant, issuer } = state(ctx);
      noStore(ctx);
      const origin = ctx.get('Origin') || undefined;
      try {
        const params = await readParams(ctx);
        ctx.body = await exchange(deps.env(tenant, issuer), params, ctx.get('Authorization') || undefined, {
          id: (ctx.state as { requestId: string }).requestId,
          ip: ctx.ip,
          userAgent: ctx.get('User-Agent') || undefined,
          hostname: ctx.hostname,
        }, ctx.state as ExchangeNote, origin);
      } finally {
        ctx.set(clientCorsHeaders(tenant, origin, state(ctx).client));
      }
    },
    userinfo: userinfoRoute,
    revoke: async (ctx) => {
      const { tenant, issuer } = state(ctx);
      noStore(ctx);
      const origin = ctx.get('Origin') || undefined;
      try {
        const params = await readParams(ctx);
        await revoke(tenant, deps.env(tenant, issuer).refreshTokens, params, ctx.get('Authorization') || undefined, state(ctx), origin);
      } finally {
        ctx.set(clientCorsHeaders(tenant, origin, state(ctx).client));
      }
      ctx.status = 200;
      ctx.body = '';
    },
    jwks: wellKnownRoute(deps, 'jwks'),
    'openid-configuration': wellKnownRoute(deps, 'openid-configuration'),
    'oauth-authorization-server': wellKnownRoute(deps, 'oauth-authorization-server'),
    ...logoutRoutes(deps),
    ...browserRoutes(deps),
  });
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
