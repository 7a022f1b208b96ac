/**
 * The request listener: the fast lane (fast-lane.ts) answers token requests and the well-known documents;
 * koa (koa-app.ts) everything else. Koa is imported on the first request that needs it: koa, its router and
 * their dependencies are 18 MB of RSS and a third of the import time (measured), and an emulator that only
 * hands out tokens never needs them.
 */
import type { RequestListener } from 'node:http';
import type { Snapshot } from '../model/snapshot.js';
import type { ControlBackend } from './control-plane.js';
import { fastLane } from './fast-lane.js';
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
}

/** `fastLane: false` sends everything through koa (the lane's parity test uses it). */
export function createHandler(deps: AppDeps, options: { fastLane?: boolean } = {}): RequestListener {
  let koa: RequestListener | undefined;
  let loading: Promise<RequestListener> | undefined;
  const general: RequestListener = (req, res) => {
    if (koa) return koa(req, res);
    loading ??= import('./koa-app.js').then(({ createApp }) => (koa = createApp(deps).callback()));
    loading.then(
      (handler) => handler(req, res),
      (err: unknown) => {
        loading = undefined; // the next request tries again
        deps.onUnexpected(err);
        res.destroy();
      },
    );
  };
  return options.fastLane === false ? general : fastLane(deps, general);
}
