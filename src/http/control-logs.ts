/**
 * GET /__emulator/logs[?tenant=dev]: what extension code prints, live, as server-sent events (one JSON
 * ExtensionLogEntry per `data:` line). It is how `auth-emulator logs` follows a running emulator, like
 * `wt logs`. The /__emulator prefix is outside every tenant's URL space and answers loopback clients only.
 */
import { PassThrough } from 'node:stream';
import type { Context, Next } from 'koa';
import type { ExtensionLogEntry } from '../extensions/sandbox.js';
import { AccessDenied, NotFound } from '../oauth/errors.js';

export const CONTROL_PREFIX = '/__emulator/';
const HEARTBEAT_MS = 15_000;

const isLoopback = (address: string | undefined) => address === '127.0.0.1' || address === '::1' || address?.startsWith('::ffff:127.') === true || address?.startsWith('127.') === true;

export function controlPlane(subscribe: (listener: (entry: ExtensionLogEntry) => void) => () => void) {
  return async function control(ctx: Context, next: Next): Promise<void> {
    if (!ctx.path.startsWith(CONTROL_PREFIX)) return next();
    if (!isLoopback(ctx.socket.remoteAddress)) {
      throw new AccessDenied('The /__emulator endpoints answer loopback clients only');
    }
    if (ctx.path !== '/__emulator/logs' || ctx.method !== 'GET') throw new NotFound(`Not found: ${ctx.method} ${ctx.path}`);
    const tenant = typeof ctx.query.tenant === 'string' && ctx.query.tenant !== '' ? ctx.query.tenant : undefined;

    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.status = 200;
    ctx.body = stream;
    stream.write(': auth-emulator extension logs\n\n');
    const unsubscribe = subscribe((entry) => {
      if (tenant === undefined || entry.tenant === tenant) stream.write(`data: ${JSON.stringify(entry)}\n\n`);
    });
    const heartbeat = setInterval(() => stream.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    ctx.req.socket.once('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      stream.end();
    });
  };
}
