/**
 * /api/v2/… for each tenant: the Management API subset. Each route authorizes the Bearer token for the
 * scopes the endpoint needs, then calls the koa-free endpoint functions.
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { TenantEnv } from '../endpoints/token.js';
import { authenticate, requireScope } from '../management/authorize.js';
import { OAuthError } from '../oauth/errors.js';
import * as api from '../management/endpoints.js';
import { ManagementError } from '../management/errors.js';
import type { Tenant } from '../model/tenant.js';
import { readJsonBody } from './body.js';
import type { TenantState } from './tenant.js';

export interface ManagementDeps {
  env(tenant: Tenant, issuer: string): TenantEnv;
  management: api.ManagementBackend;
}

/** A JSON body; its problems in the Management API's own error shape. */
async function readManagementBody(ctx: Context): Promise<unknown> {
  try {
    return await readJsonBody(ctx);
  } catch (err) {
    if (err instanceof OAuthError && !(err instanceof ManagementError)) throw new ManagementError(err.status, `Payload validation error: ${err.description}`, 'invalid_body');
    throw err;
  }
}

const query = (ctx: Context) => Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])) as Record<string, string | undefined>;

export function managementRouter(deps: ManagementDeps): Router {
  const router = new Router({ prefix: '/api/v2' });
  const backend = deps.management;

  /** Authorizes the request for any of `scopes`, then runs the handler with the tenant's name. */
  const guarded = (scopes: readonly string[] | ((ctx: Context, body: unknown) => readonly string[]), handler: (ctx: Context, tenant: string, body: unknown) => unknown, withBody = false) =>
    async (ctx: Context) => {
      const { tenant, issuer } = ctx.state as TenantState;
      const env = deps.env(tenant, issuer);
      // The token first (401 before anything about the body), then the body, then the scopes it needs.
      const granted = await authenticate(ctx.get('Authorization') || undefined, tenant, env.key, issuer, env.now());
      const body = withBody ? await readManagementBody(ctx) : undefined;
      requireScope(granted, typeof scopes === 'function' ? scopes(ctx, body) : scopes);
      const result = await handler(ctx, tenant.name, body);
      if (result === undefined) ctx.status = 204;
      else ctx.body = result;
    };

  router.get('/users', guarded(['read:users'], (ctx, t) => api.searchUsers(backend, t, query(ctx))));
  router.post(
    '/users',
    guarded(['create:users'], (ctx, t, body) => {
      ctx.status = 201;
      return api.createUser(backend, t, body);
    }, true),
  );
  router.get('/users-by-email', guarded(['read:users'], (ctx, t) => api.usersByEmail(backend, t, query(ctx).email)));
  router.get('/users/:id', guarded(['read:users'], (ctx, t) => api.getUser(backend, t, ctx.params.id!)));
  router.patch(
    '/users/:id',
    guarded((_ctx, body) => (api.onlyMetadata(body) ? ['update:users', 'update:users_app_metadata'] : ['update:users']), (ctx, t, body) => api.updateUser(backend, t, ctx.params.id!, body), true),
  );
  router.delete('/users/:id', guarded(['delete:users'], (ctx, t) => api.deleteUser(backend, t, ctx.params.id!)));
  router.get('/clients', guarded(['read:clients'], (_ctx, t) => api.listClients(backend, t)));
  router.get('/client-grants', guarded(['read:client_grants'], (ctx, t) => api.listClientGrants(backend, t, query(ctx))));
  router.post(
    '/client-grants',
    guarded(['create:client_grants'], (ctx, t, body) => {
      ctx.status = 201;
      return api.createClientGrant(backend, t, body);
    }, true),
  );
  router.delete('/client-grants/:id', guarded(['delete:client_grants'], (ctx, t) => void api.deleteClientGrant(backend, t, ctx.params.id!)));
  return router;
}

/** Anything else under /api/v2 is answered in the Management API's own error shape. */
export function managementFallbacks() {
  return async function fallbacks(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    await next();
    if (!ctx.path.startsWith('/api/v2/') && ctx.path !== '/api/v2') return;
    if (ctx.status === 405) throw new ManagementError(405, `Method not allowed: ${ctx.method} ${ctx.path}`);
    if (ctx.status === 404 && ctx.body == null) throw new ManagementError(404, `Not found: ${ctx.method} ${ctx.path}`);
  };
}
