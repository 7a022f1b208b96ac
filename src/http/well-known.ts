/**
 * The well-known documents (JWKS, discovery): clients fetch them often and they never change between
 * reloads, so they are precomputed (with an ETag). GET and HEAD are answered by the fast lane
 * (fast-lane.ts); this middleware answers what reaches koa (another method: 405, as these paths are owned
 * here; or a request target the lane leaves to koa).
 */
import type { Context, Next } from 'koa';
import { discoveryDocument } from '../endpoints/discovery.js';
import type { TenantEnv } from '../endpoints/token.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Tenant } from '../model/tenant.js';
import { MethodNotAllowed } from '../oauth/errors.js';
import { etagOf, type TenantKey } from '../tokens/key-store.js';
import { issuerOf, resolveTenant } from './tenant.js';

const WELL_KNOWN = /\/\.well-known\/(jwks\.json|openid-configuration|oauth-authorization-server)$/;

export type WellKnownName = 'jwks.json' | 'openid-configuration' | 'oauth-authorization-server';

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

/** Which document a path ends with, if any (the tenant prefix is checked by the caller). */
export function wellKnownName(path: string): WellKnownName | undefined {
  return WELL_KNOWN.exec(path)?.[1] as WellKnownName | undefined;
}

export function wellKnownDocument(name: WellKnownName, key: TenantKey, issuer: string): Precomputed {
  let doc: Precomputed | undefined;
  if (name === 'jwks.json') {
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
  snapshot(): Snapshot;
  fallbackHost(): string;
  env(tenant: Tenant, issuer: string): TenantEnv;
}

export function wellKnown(deps: WellKnownDeps) {
  return async function wellKnownDocuments(ctx: Context, next: Next): Promise<void> {
    const name = wellKnownName(ctx.path);
    if (!name) return next();
    const found = resolveTenant(deps.snapshot(), ctx.hostname, ctx.path);
    // Only the document itself, at the root or under a tenant prefix: anything else is an ordinary 404.
    if (!found || ctx.path !== `${found.prefix}/.well-known/${name}`) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowed(['HEAD', 'GET']);
    const issuer = issuerOf(ctx, found.tenant, found.prefix, deps.fallbackHost);
    ctx.state.tenant = found.tenant;
    const doc = wellKnownDocument(name, deps.env(found.tenant, issuer).key, issuer);
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
