/**
 * The well-known documents (JWKS, discovery): clients fetch them often and they never change between
 * reloads, so they are precomputed (with an ETag). GET and HEAD are answered by the fast lane
 * (fast-lane.ts); `wellKnownRoute` answers those the lane leaves to koa (an unusual request target or Host).
 */
import type { Context } from 'koa';
import { discoveryDocument } from '../endpoints/discovery.js';
import type { TenantEnv } from '../endpoints/token.js';
import type { Tenant } from '../model/tenant.js';
import { etagOf, type TenantKey } from '../tokens/key-store.js';
import type { TenantState } from './tenant.js';

/** The route names of the documents (routes.ts). */
export type WellKnownName = 'jwks' | 'openid-configuration' | 'oauth-authorization-server';

export interface Precomputed {
  body: string;
  etag: string;
}

function precomputed(value: unknown): Precomputed {
  const body = JSON.stringify(value);
  return { body, etag: etagOf(body) };
}

const jwksCache = new WeakMap<TenantKey, Precomputed>();
/** Discovery depends on the issuer alone. Issuers come from the Host header, which any client sets: bounded. */
const discoveryCache = new Map<string, Precomputed>();
const MAX_ISSUERS = 256;

export function wellKnownDocument(name: WellKnownName, key: TenantKey, issuer: string): Precomputed {
  let doc: Precomputed | undefined;
  if (name === 'jwks') {
    doc = jwksCache.get(key);
    if (!doc) jwksCache.set(key, (doc = precomputed({ keys: [key.jwk] })));
    return doc;
  }
  // Auth0 serves the same document at both addresses (reference §7.1).
  doc = discoveryCache.get(issuer);
  if (!doc) {
    if (discoveryCache.size >= MAX_ISSUERS) discoveryCache.clear();
    discoveryCache.set(issuer, (doc = precomputed(discoveryDocument(issuer))));
  }
  return doc;
}

export interface WellKnownDeps {
  env(tenant: Tenant, issuer: string): TenantEnv;
}

/** The koa handler of a document (GET and HEAD; the tenant is resolved, tenant.ts). */
export function wellKnownRoute(deps: WellKnownDeps, name: WellKnownName) {
  return function wellKnownDocumentRoute(ctx: Context): void {
    const { tenant, issuer } = ctx.state as TenantState;
    const doc = wellKnownDocument(name, deps.env(tenant, issuer).key, issuer);
    ctx.set('ETag', doc.etag);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'application/json; charset=utf-8';
    if (ctx.get('If-None-Match') === doc.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = doc.body;
  };
}
