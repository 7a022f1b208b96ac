/**
 * The koa application: a thin shell of middleware around the tenant router. Order matters:
 * log (outermost, sees the final status) → errors → CORS → control plane (/__emulator/) → tenant
 * resolution → routes.
 */
import Koa from 'koa';
import type { Snapshot } from '../model/snapshot.js';
import { controlPlane, type ControlBackend } from './control-plane.js';
import { cors } from './cors.js';
import { errorMiddleware } from './render-error.js';
import { requestLog, type RequestLogEntry } from './request-log.js';
import { managementFallbacks, managementRouter, type ManagementDeps } from './management-routes.js';
import { routeFallbacks, tenantRouter, type RouteDeps } from './routes.js';
import { tenantMiddleware } from './tenant.js';

export interface AppDeps extends RouteDeps, ManagementDeps {
  snapshot(): Snapshot;
  /** Host (and port) to use for issuers when a request has no Host header. */
  fallbackHost(): string;
  log(entry: RequestLogEntry): void;
  onUnexpected(err: unknown): void;
  control: ControlBackend;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Errors are rendered by errorMiddleware; koa's own default handler would print stacks to stderr.
  app.silent = true;
  app.on('error', (err: unknown) => deps.onUnexpected(err));
  const router = tenantRouter(deps);
  app.use(requestLog(deps.log));
  app.use(errorMiddleware((err) => deps.onUnexpected(err)));
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
