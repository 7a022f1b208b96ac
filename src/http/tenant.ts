/**
 * Which tenant a request is for, and at which issuer (reference §12: the issuer is the base URL the tenant
 * was reached at, with a trailing slash):
 *   1. `http://<tenant>.localhost:4400/…`  (Host header)
 *   2. `http://localhost:4400/<tenant>/…`  (path prefix, stripped before routing)
 *   3. `http://localhost:4400/…`           (the root tenant: the only one, or the one marked default)
 * A tenant's own `issuer` setting (for proxies and docker-compose) wins over the URL.
 */
import type { Context, Next } from 'koa';
import type { Snapshot } from '../model/snapshot.js';
import type { Tenant } from '../model/tenant.js';
import { NotFound } from '../oauth/errors.js';

export interface TenantState {
  tenant: Tenant;
  issuer: string;
}

export function resolveTenant(snapshot: Snapshot, hostname: string, path: string): { tenant: Tenant; prefix: string } | undefined {
  // Host names are case-insensitive and may end with the root dot.
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const sub = host.endsWith('.localhost') ? host.slice(0, -'.localhost'.length) : undefined;
  const byHost = sub === undefined ? undefined : snapshot.tenants.get(sub);
  if (byHost) return { tenant: byHost, prefix: '' };
  const segment = /^\/([^/]+)(?:\/|$)/.exec(path)?.[1];
  const byPath = segment === undefined ? undefined : snapshot.tenants.get(segment);
  if (byPath) return { tenant: byPath, prefix: `/${segment}` };
  return snapshot.rootTenant ? { tenant: snapshot.rootTenant, prefix: '' } : undefined;
}

export function tenantMiddleware(getSnapshot: () => Snapshot, fallbackHost: () => string) {
  return async function tenant(ctx: Context, next: Next): Promise<void> {
    const snapshot = getSnapshot();
    const found = resolveTenant(snapshot, ctx.hostname, ctx.path);
    if (!found) {
      const names = [...snapshot.tenants.keys()].map((n) => `/${n}/`).join(', ');
      // NOTE(emulator): an unknown tenant has no Auth0 equivalent (its domain would not resolve).
      throw new NotFound(`No tenant at ${ctx.path}. Tenants are served at ${names}`);
    }
    if (found.prefix) ctx.path = ctx.path.slice(found.prefix.length) || '/';
    ctx.state.tenant = found.tenant;
    ctx.state.issuer = issuerOf(ctx, found.tenant, found.prefix, fallbackHost);
    await next();
  };
}

/** The tenant's fixed issuer, or the base URL it was reached at, with a trailing slash. */
export function issuerOf(ctx: Context, tenant: Tenant, prefix: string, fallbackHost: () => string): string {
  return issuerFor(tenant, ctx.protocol, ctx.host || fallbackHost(), prefix);
}

export function issuerFor(tenant: Tenant, protocol: string, host: string, prefix: string): string {
  return tenant.issuer ?? `${protocol}://${host}${prefix}/`;
}
