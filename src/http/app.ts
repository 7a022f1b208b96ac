/**
 * The request listener: the fast lane (fast-lane.ts) answers token requests and the well-known documents;
 * koa (koa-app.ts) everything else. Koa is imported on the first request that needs it: koa, its router and
 * their dependencies are 18 MB of RSS and a third of the import time (measured), and an emulator that only
 * hands out tokens never needs them.
 */
import type { RequestListener } from 'node:http';
import type { AppDeps } from './app-deps.js';
import { fastLane } from './fast-lane.js';

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
