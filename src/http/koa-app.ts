/**
 * The koa application, for every request the fast lane (fast-lane.ts) leaves to it; loaded on the first such
 * request (app.ts). A thin shell of middleware around the routers, which are built from the route table
 * (routes.ts). Order matters: log (outermost, sees the final status) → errors → CORS → control plane
 * (/__emulator/) → tenant resolution → routes.
 */
import Koa, { type Context, type Next } from 'koa';
import type { AppDeps } from './app-deps.js';
import { controlPlane } from './control-plane.js';
import { cors } from './cors.js';
import { errorMiddleware } from './render-error.js';
import { requestLog } from './request-log.js';
import { managementFallbacks, managementRouter } from './management-routes.js';
import { routeFallbacks, tenantRouter } from './tenant-routes.js';
import { tenantMiddleware } from './tenant.js';
import { InvalidRequest } from '../oauth/errors.js';

/**
 * Errors a client causes by going away, sending garbage or sending too slowly (node's request timeout): not the
 * emulator's bugs, not worth a stack.
 */
const CLIENT_GONE = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_HTTP_REQUEST_TIMEOUT']);

/** A request target node parsed but the URL parser refuses (`GET http://[::1/x`): a 400, not a 500. */
async function validTarget(ctx: Context, next: Next): Promise<void> {
  try {
    void ctx.path;
  } catch {
    throw new InvalidRequest('The request target is not a valid URL');
  }
  return next();
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Errors are rendered by errorMiddleware; koa's own default handler would print stacks to stderr.
  app.silent = true;
  // Signs the session cookie (session-cookie.ts); kept in the store, so a state folder's cookies outlive restarts.
  app.keys = deps.cookieKeys();
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
