/**
 * The koa application: a thin shell of middleware around the tenant router. Order matters:
 * log (outermost, sees the final status) → errors → CORS → control plane (/__emulator/) → tenant
 * resolution → routes.
 */
import type { RequestListener } from 'node:http';
import Koa, { type Context, type Next } from 'koa';
import type { Snapshot } from '../model/snapshot.js';
import { controlPlane, type ControlBackend } from './control-plane.js';
import { cors } from './cors.js';
import { errorMiddleware } from './render-error.js';
import { fastLane } from './fast-lane.js';
import { requestLog, type RequestLogEntry } from './request-log.js';
import { managementFallbacks, managementRouter, type ManagementDeps } from './management-routes.js';
import { routeFallbacks, tenantRouter, type RouteDeps } from './routes.js';
import { tenantMiddleware } from './tenant.js';
import { wellKnown } from './well-known.js';
import { InvalidRequest } from '../oauth/errors.js';

/** Errors a client causes by going away or sending garbage: not the emulator's bugs, not worth a stack. */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** A request target node parsed but the URL parser refuses (`GET http://[::1/x`): a 400, not a 500. */
async function validTarget(ctx: Context, next: Next): Promise<void> {
  try {
    void ctx.path;
  } catch {
    throw new InvalidRequest('The request target is not a valid URL');
  }
  return next();
}

export interface AppDeps extends RouteDeps, ManagementDeps {
  snapshot(): Snapshot;
  /** Host (and port) to use for issuers when a request has no Host header. */
  fallbackHost(): string;
  log(entry: RequestLogEntry): void;
  onUnexpected(err: unknown): void;
  control: ControlBackend;
}

/**
 * The request listener: the fast lane (fast-lane.ts) for token requests and the well-known documents, koa
 * for everything else. `fastLane: false` sends everything through koa (the lane's parity test uses it).
 */
export function createHandler(deps: AppDeps, options: { fastLane?: boolean } = {}): RequestListener {
  const koa = createApp(deps).callback();
  return options.fastLane === false ? koa : fastLane(deps, koa);
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Errors are rendered by errorMiddleware; koa's own default handler would print stacks to stderr.
  app.silent = true;
  app.on('error', (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (CLIENT_GONE.has(code) || code.startsWith('HPE_'))) return;
    deps.onUnexpected(err);
  });
  const router = tenantRouter(deps);
  app.use(requestLog(deps.log));
  app.use(errorMiddleware((err) => deps.onUnexpected(err)));
  app.use(validTarget);
  app.use(cors);
  app.use(wellKnown(deps));
  app.use(controlPlane(deps.control));
  app.use(tenantMiddleware(deps.snapshot, deps.fallbackHost));
  app.use(routeFallbacks());
  app.use(managementFallbacks());
  const management = managementRouter(deps);
  app.use(router.routes());
  app.use(management.routes());
  app.use(router.allowedMethods());
  app.use(management.allowedMethods());
  return app;
}
