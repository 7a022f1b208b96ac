/**
 * /api/v2/… for each tenant: the Management API subset, as the route table (routes.ts) names it. Each route
 * authorizes the Bearer token for the scopes the endpoint needs, then calls the koa-free endpoint functions.
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { TenantEnv } from '../endpoints/token.js';
import { authenticate, requireScope } from '../management/authorize.js';
import { OAuthError } from '../oauth/errors.js';
import * as clients from '../management/clients.js';
import * as api from '../management/endpoints.js';
import * as blocks from '../management/user-blocks.js';
import { ManagementError } from '../management/errors.js';
import type { Tenant } from '../model/tenant.js';
import { readJsonBody } from './body.js';
import { routerFor } from './koa-routes.js';
import { errorDialect } from './routes.js';
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
  const backend = deps.management;
  /** The brute-force counts (the store's, shared by the tenant's grants and login page). */
  const failures = (ctx: Context) => {
    const { tenant, issuer } = ctx.state as TenantState;
    return deps.env(tenant, issuer).loginFailures;
  };

  /** Authorizes the request for any of `scopes`, then runs the handler with the tenant's name. */
  const guarded = (
    scopes: readonly string[] | ((ctx: Context, body: unknown) => readonly string[]),
    handler: (ctx: Context, tenant: string, body: unknown, granted: readonly string[]) => unknown,
    withBody = false,
  ) =>
    async (ctx: Context) => {
      const { tenant, issuer } = ctx.state as TenantState;
      const env = deps.env(tenant, issuer);
      // The token first (401 before anything about the body), then the body, then the scopes it needs.
      const granted = await authenticate(ctx.get('Authorization') || undefined, tenant, env.key, issuer, env.now());
      const body = withBody ? await readManagementBody(ctx) : undefined;
      requireScope(granted, typeof scopes === 'function' ? scopes(ctx, body) : scopes);
      const result = await handler(ctx, tenant.name, body, granted);
      if (result === undefined) ctx.status = 204;
      else ctx.body = result;
    };

  return routerFor<'management'>('management', {
    'users.search': guarded(['read:users'], (ctx, t) => api.searchUsers(backend, t, query(ctx))),
    'users.create': guarded(['create:users'], (ctx, t, body) => {
      ctx.status = 201;
      return api.createUser(backend, t, body);
    }, true),
    'users-by-email': guarded(['read:users'], (ctx, t) => api.usersByEmail(backend, t, query(ctx).email)),
    'user.get': guarded(['read:users'], (ctx, t) => api.getUser(backend, t, ctx.params.id!)),
    'user.update': guarded(
      (_ctx, body) => (api.onlyMetadata(body) ? ['update:users', 'update:users_app_metadata'] : ['update:users']),
      (ctx, t, body) => api.updateUser(backend, t, ctx.params.id!, body),
      true,
    ),
    'user.delete': guarded(['delete:users'], (ctx, t) => api.deleteUser(backend, t, ctx.params.id!)),
    'clients.list': guarded(['read:clients'], (ctx, t) => clients.listClients(backend, t, query(ctx))),
    'clients.create': guarded(['create:clients'], (ctx, t, body) => {
      ctx.status = 201;
      return clients.createClient(backend, t, body);
    }, true),
    // The secret is shown with read:client_keys (Auth0's rule); update:client_keys also changes it.
    // NOTE(emulator): that a PATCH with update:client_keys answers the secret too is not confirmed.
    'client.get': guarded(['read:clients', 'read:client_keys'], (ctx, t, _b, granted) => clients.getClient(backend, t, ctx.params.id!, granted.includes('read:client_keys'))),
    'client.update': guarded(
      (_ctx, body) => (clients.changesKeys(body) ? ['update:client_keys'] : ['update:clients', 'update:client_keys']),
      (ctx, t, body, granted) => clients.updateClient(backend, t, ctx.params.id!, body, granted.includes('read:client_keys') || granted.includes('update:client_keys')),
      true,
    ),
    'client.delete': guarded(['delete:clients'], (ctx, t) => void clients.deleteClient(backend, t, ctx.params.id!)),
    'client-grants.list': guarded(['read:client_grants'], (ctx, t) => api.listClientGrants(backend, t, query(ctx))),
    'client-grants.create': guarded(['create:client_grants'], (ctx, t, body) => {
      ctx.status = 201;
      return api.createClientGrant(backend, t, body);
    }, true),
    'client-grant.update': guarded(['update:client_grants'], (ctx, t, body) => api.updateClientGrant(backend, t, ctx.params.id!, body), true),
    'client-grant.delete': guarded(['delete:client_grants'], (ctx, t) => void api.deleteClientGrant(backend, t, ctx.params.id!)),
    'user-blocks.get': guarded(['read:users'], (ctx, t) => blocks.blocksOfUser(backend, failures(ctx), t, ctx.params.id!)),
    'user-blocks.delete': guarded(['update:users'], (ctx, t) => blocks.unblockUser(backend, failures(ctx), t, ctx.params.id!)),
    'user-blocks-by-identifier.get': guarded(['read:users'], (ctx, t) => blocks.blocksOfIdentifier(failures(ctx), t, query(ctx))),
    'user-blocks-by-identifier.delete': guarded(['update:users'], (ctx, t) => blocks.unblockIdentifier(failures(ctx), t, query(ctx))),
  });
}

/** Anything else under /api/v2 is answered in the Management API's own error shape. */
export function managementFallbacks() {
  return async function fallbacks(ctx: Context, next: () => Promise<unknown>): Promise<void> {
    await next();
    if (errorDialect(ctx.path) !== 'management') return;
    if (ctx.status === 405) throw new ManagementError(405, `Method not allowed: ${ctx.method} ${ctx.path}`);
    if (ctx.status === 404 && ctx.body == null) throw new ManagementError(404, `Not found: ${ctx.method} ${ctx.path}`);
  };
}
