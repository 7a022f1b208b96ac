/**
 * One log line per request: method, path, tenant, grant, client, status, time; plus the error code and its
 * private reason (why a client failed to authenticate, say). Bodies, secrets and tokens are never logged.
 */
import { randomInt } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { OAuthError } from '../oauth/errors.js';
import type { Tenant } from '../model/tenant.js';

export interface RequestLogEntry {
  /** Also tags what extension code printed while serving this request. */
  id: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  tenant?: string;
  grant?: string;
  client?: string;
  /** The user the tokens were issued to, when a grant resolved one. */
  user?: string;
  error?: string;
  detail?: string;
}

/**
 * Request ids: 8 hex characters from a counter that starts at a random point, unique within a process and
 * cheap on the hot path (no random bytes per request).
 */
let nextId = randomInt(0x1_0000_0000);
export const newRequestId = () => ((nextId = (nextId + 1) >>> 0).toString(16).padStart(8, '0'));

/** What a request handler noted about the request, for its log line. */
export interface LoggedState {
  tenant?: Tenant;
  grant?: string;
  client?: string;
  user?: string;
  error?: OAuthError;
}

/** The log line of a request that started at `start` (performance.now()). */
export function logEntry(id: string, method: string, path: string, status: number, start: number, state: LoggedState): RequestLogEntry {
  const entry: RequestLogEntry = { id, method, path, status, ms: Math.round((performance.now() - start) * 10) / 10 };
  if (state.tenant) entry.tenant = state.tenant.name;
  if (state.grant) entry.grant = state.grant;
  if (state.client) entry.client = state.client;
  if (state.user) entry.user = state.user;
  if (state.error) {
    entry.error = state.error.error;
    if (state.error.logDetail) entry.detail = state.error.logDetail;
  }
  return entry;
}

export function requestLog(write: (entry: RequestLogEntry) => void) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const start = performance.now();
    let path: string;
    try {
      path = ctx.path;
    } catch {
      path = ctx.url;
    }
    const id = newRequestId();
    ctx.state.requestId = id;
    try {
      await next();
    } finally {
      write(logEntry(id, ctx.method, path, ctx.status, start, ctx.state as LoggedState));
    }
  };
}
