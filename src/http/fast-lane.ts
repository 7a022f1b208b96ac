/**
 * The fast lane: the requests a token server answers most (POST /oauth/token, and GET or HEAD of the
 * JWKS and discovery documents) answered on node:http directly; koa (app.ts) serves everything else.
 * Which routes it takes is the route table's (routes.ts, `lane: true`); each has a lane handler here.
 *
 * Why: under load, koa's per-request context and the middleware chain cost about 50 µs of main-thread
 * time per token request, as much as the rest of the token path (HS256 profile and A/B runs, see
 * docs/benchmarks.md). With RS256 on two cores, where signing competes with the event loop for the
 * cores, that was the difference between 0.81× and 1.0× of a minimal koa token endpoint.
 *
 * The lane answers exactly as koa does (status, headers, body and log line; test/fast-lane.test.ts sends
 * the same requests through both and compares): it shares the exchange, the documents, tenant
 * resolution, CORS, error rendering and log entries with the koa path. It takes only plain requests,
 * decided from the request line and headers before any body is read (HTTP/1.x, an origin-form target, a
 * plain Host header; for tokens a JSON or form body); anything else goes to koa.
 */
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import { exchange, type TenantEnv } from '../endpoints/token.js';
import type { Snapshot } from '../model/snapshot.js';
import type { Tenant } from '../model/tenant.js';
import { parseParams, readBodyText } from './body.js';
import { clientCorsHeaders, corsHeaders } from './cors.js';
import { errorResponse, knownError } from './render-error.js';
import { logEntry, newRequestId, type LoggedState, type RequestLogEntry } from './request-log.js';
import { issuerFor, resolveTenant } from './tenant.js';
import { ROUTES, type LaneRouteName, type Method } from './routes.js';
import { wellKnownDocument, type WellKnownName } from './well-known.js';

export interface FastLaneDeps {
  snapshot(): Snapshot;
  env(tenant: Tenant, issuer: string): TenantEnv;
  log(entry: RequestLogEntry): void;
  onUnexpected(err: unknown): void;
}

type BodyType = 'application/json' | 'application/x-www-form-urlencoded';

/** The Content-Type values the lane reads (lower-cased); any other goes to koa's general parser. */
const BODY_TYPES = new Map<string, BodyType>(
  (['application/json', 'application/x-www-form-urlencoded'] as const).flatMap((type) =>
    ['', '; charset=utf-8', ';charset=utf-8'].map((suffix) => [`${type}${suffix}`, type] as [string, BodyType]),
  ),
);

const JSON_TYPE = 'application/json; charset=utf-8';

/** What the lane knows of a request it takes, once its route and tenant are found. */
interface LaneTarget {
  route: LaneRouteName;
  /** The path as sent (the log shows it). */
  path: string;
  tenant: Tenant;
  issuer: string;
  hostname: string;
}

/** Answers a request of its route; false leaves it to koa (decided before anything is read or written). */
type LaneHandler = (deps: FastLaneDeps, req: IncomingMessage, res: ServerResponse, t: LaneTarget) => boolean;

/** The lane's handler of each route the table gives it (routes.ts). */
const HANDLERS: Record<LaneRouteName, LaneHandler> = {
  token: takeToken,
  jwks: takeDocument,
  'openid-configuration': takeDocument,
  'oauth-authorization-server': takeDocument,
};

interface LaneRoute {
  name: LaneRouteName;
  path: string;
  methods: readonly string[];
  handler: LaneHandler;
}

/** The lane's routes by path (under the tenant), resolved once: a request costs one or two map lookups. */
function laneRoutes(): Map<string, LaneRoute> {
  const routes = new Map<string, LaneRoute>();
  for (const route of ROUTES) {
    if (!('lane' in route)) continue;
    if (routes.has(route.path)) throw new Error(`two lane routes at ${route.path}`);
    const methods = route.methods.flatMap((m: Method) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
    routes.set(route.path, { name: route.name, path: route.path, methods, handler: HANDLERS[route.name] });
  }
  return routes;
}

export function fastLane(deps: FastLaneDeps, fallback: RequestListener): RequestListener {
  const routes = laneRoutes();
  return function route(req, res) {
    const method = req.method;
    const url = req.url ?? '';
    const host = req.headers.host;
    // Plain requests only: koa handles absolute-form targets, HTTP/2's :authority, IPv6 and list-valued hosts.
    if ((method !== 'POST' && method !== 'GET' && method !== 'HEAD') || url[0] !== '/' || req.httpVersionMajor !== 1 || !host || /[[,]/.test(host)) {
      return fallback(req, res);
    }
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    // At the root (or a tenant's host), else under a one-segment tenant prefix: which is checked below.
    let laneRoute = routes.get(path);
    if (!laneRoute) {
      const cut = path.indexOf('/', 1);
      laneRoute = cut < 0 ? undefined : routes.get(path.slice(cut));
    }
    if (!laneRoute || !laneRoute.methods.includes(method)) return fallback(req, res);
    const hostname = host.split(':', 1)[0]!;
    const found = resolveTenant(deps.snapshot(), hostname, path);
    // The route must be all that follows the tenant's prefix (`/nope/oauth/token` is not a tenant's token URL).
    if (!found || found.prefix.length + laneRoute.path.length !== path.length) return fallback(req, res);
    const protocol = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const issuer = issuerFor(found.tenant, protocol, host, found.prefix);
    const target: LaneTarget = { route: laneRoute.name, path, tenant: found.tenant, issuer, hostname };
    if (!laneRoute.handler(deps, req, res, target)) fallback(req, res);
  };
}

/** POST …/oauth/token with a JSON or form body. */
function takeToken(deps: FastLaneDeps, req: IncomingMessage, res: ServerResponse, t: LaneTarget): boolean {
  const type = BODY_TYPES.get(req.headers['content-type']?.toLowerCase() ?? '');
  // No body at all (neither length nor chunks) is koa's case too: it has its own answer.
  if (!type || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) return false;
  token(deps, req, res, t, type).catch((err: unknown) => broken(deps, res, err));
  return true;
}

/** GET or HEAD of a well-known document. */
function takeDocument(deps: FastLaneDeps, req: IncomingMessage, res: ServerResponse, t: LaneTarget): boolean {
  try {
    document(deps, req, res, t);
  } catch (err) {
    broken(deps, res, err);
  }
  return true;
}

function document(deps: FastLaneDeps, req: IncomingMessage, res: ServerResponse, t: LaneTarget): void {
  const start = performance.now();
  const state: LoggedState = { tenant: t.tenant };
  const headers: OutgoingHttpHeaders = corsHeaders(req.headers.origin);
  let status = 200;
  try {
    const doc = wellKnownDocument(t.route as WellKnownName, deps.env(t.tenant, t.issuer).key, t.issuer);
    headers.ETag = doc.etag;
    headers['Cache-Control'] = 'no-cache';
    if (req.headers['if-none-match'] === doc.etag) {
      status = 304;
      res.writeHead(status, headers).end();
    } else {
      send(res, status, headers, JSON_TYPE, doc.body);
    }
  } catch (err) {
    status = fail(deps, res, headers, state, err);
  }
  log(deps, logEntry(newRequestId(), req.method!, t.path, status, start, state));
}

/** The answer is out: a log listener that throws is the embedder's bug, reported, not the client's problem. */
function log(deps: FastLaneDeps, entry: RequestLogEntry): void {
  try {
    deps.log(entry);
  } catch (err) {
    deps.onUnexpected(err);
  }
}

/** The answer could not even be written (a header value node refuses, say): reported, and the socket closed. */
function broken(deps: FastLaneDeps, res: ServerResponse, err: unknown): void {
  deps.onUnexpected(err);
  res.destroy();
}

/** Renders what was thrown (see render-error.ts) and returns the status sent. */
function fail(deps: FastLaneDeps, res: ServerResponse, headers: OutgoingHttpHeaders, state: LoggedState, err: unknown): number {
  const known = knownError(err, deps.onUnexpected);
  state.error = known;
  const rendered = errorResponse(known);
  send(res, rendered.status, Object.assign(headers, rendered.headers), rendered.type, rendered.body);
  return rendered.status;
}

function send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, type: string, body: string): void {
  headers['Content-Type'] = type;
  headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(status, headers).end(body);
}

async function token(deps: FastLaneDeps, req: IncomingMessage, res: ServerResponse, t: LaneTarget, type: BodyType): Promise<void> {
  const start = performance.now();
  const id = newRequestId();
  const state: LoggedState = { tenant: t.tenant };
  const headers: OutgoingHttpHeaders = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  const origin = req.headers.origin || undefined;
  let status = 200;
  try {
    let response;
    try {
      const params = parseParams(await readBodyText(req), type);
      response = await exchange(deps.env(t.tenant, t.issuer), params, req.headers.authorization || undefined, {
        id,
        ip: req.socket.remoteAddress ?? '',
        userAgent: req.headers['user-agent'] || undefined,
        hostname: t.hostname,
      }, state, origin);
    } finally {
      // As koa's token route: the CORS headers follow the client, known once the exchange ran (cors.ts).
      Object.assign(headers, clientCorsHeaders(t.tenant, origin, state.client));
    }
    send(res, status, headers, JSON_TYPE, JSON.stringify(response));
  } catch (err) {
    status = fail(deps, res, headers, state, err);
  }
  log(deps, logEntry(id, 'POST', t.path, status, start, state));
}
