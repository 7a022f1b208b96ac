/**
 * Every route the emulator knows, each named once: its method(s), its path, whether the node:http fast lane
 * (lane.ts) takes it, and whether its errors are a page. The koa routers (tenant-routes.ts,
 * management-routes.ts, control-plane.ts) and the lane register what is here; discovery and the emulator's
 * `tenants` build URLs from it with `urlFor`. A new endpoint is one line here plus its handler.
 *
 * Handlers are bound by name where they run (`Record<name, handler>` in each router and in the lane, so a
 * route without a handler, or a handler without a route, does not compile), not stored here: this module is
 * data that the lane and discovery import at start-up, and koa and the Management API must not load with it
 * (koa is imported on the first request that needs it, app.ts).
 *
 * Paths of the `tenant` and `management` areas are under a tenant's issuer (`/oauth/token` is
 * `<issuer>oauth/token`); `control` paths are absolute. `:id` is a path parameter. GET also answers HEAD,
 * as HTTP has it (@koa/router and the lane do so).
 */
import { CONTROL_PREFIX } from './control-path.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface RouteSpec {
  readonly name: string;
  readonly methods: readonly Method[];
  readonly path: string;
  readonly area: 'tenant' | 'management' | 'control';
  /** The fast lane answers its plain requests (koa answers the rest). */
  readonly lane?: true;
  /** A browser endpoint: its errors are an HTML page (Auth0's error page), not JSON. */
  readonly page?: true;
  /**
   * Auth0 has it and discovery names it, but the emulator does not serve it yet: koa answers it with a 404
   * that says so (tenant-routes.ts).
   */
  readonly served?: false;
}

const C = CONTROL_PREFIX;

export const ROUTES = [
  // The tenant endpoints (reference §1-§7, §12), in discovery's order.
  { name: 'authorize', methods: ['GET', 'POST'], path: '/authorize', area: 'tenant', page: true },
  { name: 'token', methods: ['POST'], path: '/oauth/token', area: 'tenant', lane: true },
  { name: 'device-code', methods: ['POST'], path: '/oauth/device/code', area: 'tenant', served: false },
  { name: 'userinfo', methods: ['GET', 'POST'], path: '/userinfo', area: 'tenant' },
  { name: 'mfa-challenge', methods: ['POST'], path: '/mfa/challenge', area: 'tenant', served: false },
  { name: 'jwks', methods: ['GET'], path: '/.well-known/jwks.json', area: 'tenant', lane: true },
  { name: 'register', methods: ['POST'], path: '/oidc/register', area: 'tenant', served: false },
  { name: 'revoke', methods: ['POST'], path: '/oauth/revoke', area: 'tenant' },
  // Auth0 serves the same document at both addresses (reference §7.1).
  { name: 'openid-configuration', methods: ['GET'], path: '/.well-known/openid-configuration', area: 'tenant', lane: true },
  { name: 'oauth-authorization-server', methods: ['GET'], path: '/.well-known/oauth-authorization-server', area: 'tenant', lane: true },
  // The browser login (browser flows reference §2, §6, §9): Universal Login's page, the resume step, the
  // return from a redirect Action, logout.
  { name: 'login', methods: ['GET', 'POST'], path: '/u/login', area: 'tenant', page: true },
  { name: 'authorize-resume', methods: ['GET'], path: '/authorize/resume', area: 'tenant', page: true },
  { name: 'continue', methods: ['GET', 'POST'], path: '/continue', area: 'tenant', page: true },
  { name: 'logout', methods: ['GET'], path: '/v2/logout', area: 'tenant', page: true },
  { name: 'oidc-logout', methods: ['GET', 'POST'], path: '/oidc/logout', area: 'tenant', page: true },

  // The Management API subset (management-routes.ts).
  { name: 'users.search', methods: ['GET'], path: '/api/v2/users', area: 'management' },
  { name: 'users.create', methods: ['POST'], path: '/api/v2/users', area: 'management' },
  { name: 'users-by-email', methods: ['GET'], path: '/api/v2/users-by-email', area: 'management' },
  { name: 'user.get', methods: ['GET'], path: '/api/v2/users/:id', area: 'management' },
  { name: 'user.update', methods: ['PATCH'], path: '/api/v2/users/:id', area: 'management' },
  { name: 'user.delete', methods: ['DELETE'], path: '/api/v2/users/:id', area: 'management' },
  { name: 'clients.list', methods: ['GET'], path: '/api/v2/clients', area: 'management' },
  { name: 'clients.create', methods: ['POST'], path: '/api/v2/clients', area: 'management' },
  { name: 'client.get', methods: ['GET'], path: '/api/v2/clients/:id', area: 'management' },
  { name: 'client.update', methods: ['PATCH'], path: '/api/v2/clients/:id', area: 'management' },
  { name: 'client.delete', methods: ['DELETE'], path: '/api/v2/clients/:id', area: 'management' },
  { name: 'client-grants.list', methods: ['GET'], path: '/api/v2/client-grants', area: 'management' },
  { name: 'client-grants.create', methods: ['POST'], path: '/api/v2/client-grants', area: 'management' },
  { name: 'client-grant.update', methods: ['PATCH'], path: '/api/v2/client-grants/:id', area: 'management' },
  { name: 'client-grant.delete', methods: ['DELETE'], path: '/api/v2/client-grants/:id', area: 'management' },
  { name: 'user-blocks.get', methods: ['GET'], path: '/api/v2/user-blocks/:id', area: 'management' },
  { name: 'user-blocks.delete', methods: ['DELETE'], path: '/api/v2/user-blocks/:id', area: 'management' },
  { name: 'user-blocks-by-identifier.get', methods: ['GET'], path: '/api/v2/user-blocks', area: 'management' },
  { name: 'user-blocks-by-identifier.delete', methods: ['DELETE'], path: '/api/v2/user-blocks', area: 'management' },

  // The control plane, for tests (control-plane.ts): loopback only, outside every tenant's URL space.
  { name: 'control.reset', methods: ['POST'], path: `${C}/reset`, area: 'control' },
  { name: 'control.users.list', methods: ['GET'], path: `${C}/users`, area: 'control' },
  { name: 'control.users.add', methods: ['POST'], path: `${C}/users`, area: 'control' },
  { name: 'control.user.update', methods: ['PATCH'], path: `${C}/users/:id`, area: 'control' },
  { name: 'control.user.remove', methods: ['DELETE'], path: `${C}/users/:id`, area: 'control' },
  { name: 'control.user.block', methods: ['POST'], path: `${C}/users/:id/block`, area: 'control' },
  { name: 'control.user.unblock', methods: ['POST'], path: `${C}/users/:id/unblock`, area: 'control' },
  { name: 'control.user-blocks.list', methods: ['GET'], path: `${C}/user-blocks`, area: 'control' },
  { name: 'control.user-blocks.lift', methods: ['DELETE'], path: `${C}/user-blocks/:id`, area: 'control' },
  { name: 'control.clock.get', methods: ['GET'], path: `${C}/clock`, area: 'control' },
  { name: 'control.clock.set', methods: ['POST'], path: `${C}/clock`, area: 'control' },
  { name: 'control.journal.get', methods: ['GET'], path: `${C}/journal`, area: 'control' },
  { name: 'control.journal.clear', methods: ['DELETE'], path: `${C}/journal`, area: 'control' },
  { name: 'control.tokens', methods: ['POST'], path: `${C}/tokens`, area: 'control' },
  { name: 'control.logs', methods: ['GET'], path: `${C}/logs`, area: 'control' },
  { name: 'control.sessions.create', methods: ['POST'], path: `${C}/sessions`, area: 'control' },
] as const satisfies readonly RouteSpec[];

export type Route = (typeof ROUTES)[number];
export type RouteName = Route['name'];
/** The routes of an area that the emulator serves (each needs a koa handler). */
export type ServedRoute<A extends Route['area']> = Exclude<Extract<Route, { area: A }>, { served: false }>;
/** The names of the routes the fast lane takes (each needs a lane handler). */
export type LaneRouteName = Extract<Route, { lane: true }>['name'];
/** Routes whose URL is `<issuer>…`. */
type IssuerRouteName = Extract<Route, { area: 'tenant' | 'management' }>['name'];

const byName = new Map<RouteName, Route>(ROUTES.map((route) => [route.name, route]));

/** The routes of one area that are served, for a router to register. */
export function servedRoutes<A extends Route['area']>(area: A): ServedRoute<A>[] {
  return ROUTES.filter((r): r is ServedRoute<A> => r.area === area && !('served' in r && r.served === false));
}

/** Whether the emulator serves a route (the table marks those it does not serve yet). */
export function isServed(name: RouteName): boolean {
  const route = byName.get(name)!;
  return !('served' in route && route.served === false);
}

/** The URL of a route at a tenant's issuer (which ends with a slash). */
export function urlFor(issuer: string, name: IssuerRouteName): string {
  return `${issuer}${byName.get(name)!.path.slice(1)}`;
}

/** Paths (under the tenant) of the browser endpoints, whose errors are pages. */
const PAGE_PATHS = new Set<string>(ROUTES.filter((r) => 'page' in r && r.page).map((r) => r.path));
const MANAGEMENT_PREFIX = '/api/v2';

/**
 * How errors are answered at a path (the tenant prefix already taken off): an HTML page at a browser
 * endpoint, the Management API's own JSON under /api/v2, OAuth's JSON everywhere else (the control plane
 * included). Asked only when an error is rendered.
 */
export function errorDialect(path: string): 'page' | 'management' | 'oauth' {
  if (PAGE_PATHS.has(path)) return 'page';
  if (path === MANAGEMENT_PREFIX || path.startsWith(`${MANAGEMENT_PREFIX}/`)) return 'management';
  return 'oauth';
}
