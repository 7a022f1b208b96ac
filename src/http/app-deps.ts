/** What the HTTP layer needs from the emulator (its own module: app.ts imports koa-app.ts, which needs it too). */
import type { Snapshot } from '../model/snapshot.js';
import type { ControlBackend } from './control-plane.js';
import type { ManagementDeps } from './management-routes.js';
import type { RequestLogEntry } from './request-log.js';
import type { RouteDeps } from './tenant-routes.js';

export interface AppDeps extends RouteDeps, ManagementDeps {
  snapshot(): Snapshot;
  /** Host (and port) to use for issuers when a request has no Host header. */
  fallbackHost(): string;
  log(entry: RequestLogEntry): void;
  onUnexpected(err: unknown): void;
  control: ControlBackend;
  /** The keys that sign cookies (koa's app.keys): the session cookie. */
  cookieKeys(): string[];
}
