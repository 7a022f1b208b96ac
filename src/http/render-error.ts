/**
 * The one place errors become responses. OAuthErrors render as Auth0's `{error, error_description}` with
 * Auth0's status; InvalidToken as the plain `Unauthorized` plus `WWW-Authenticate` (reference §6);
 * ManagementErrors as the Management API's `{statusCode, error, message, errorCode}` (reference §11).
 * The emulator's own refusals (errors.ts: a runtime change, a mint, a clock setting) are answered in the
 * dialect of where they were asked: the Management API's under /api/v2, OAuth's elsewhere. At a browser
 * endpoint (routes.ts marks them) every error is Auth0's HTML error page instead.
 * Anything unexpected becomes a 500 `server_error` with no stack in the response; the stack goes to the log.
 * Koa's error middleware and the fast lane (fast-lane.ts) both render through `errorResponse`.
 */
import type { Context, Next } from 'koa';
import { RequestError } from '../errors.js';
import { ManagementError } from '../management/errors.js';
import { InvalidRequest, InvalidToken, MethodNotAllowed, OAuthError, ServerError } from '../oauth/errors.js';
import { TimeRangeError } from '../runtime/clock.js';
import { StateError } from '../store/state-error.js';
import { errorDialect } from './routes.js';

const quote = (s: string) => s.replace(/["\\]/g, '');
const INTERNAL = 'Internal error in the emulator (see its log)';

/** How errors are answered where they happen (routes.ts decides by path). */
export type ErrorDialect = ReturnType<typeof errorDialect>;

export interface ErrorResponse {
  status: number;
  /** Response headers besides Content-Type and Content-Length. */
  headers: Record<string, string>;
  type: 'application/json; charset=utf-8' | 'text/plain; charset=utf-8';
  body: string;
}

function jsonBody(err: OAuthError): Record<string, unknown> {
  if (err instanceof ManagementError) {
    return { statusCode: err.status, error: err.error, message: err.description, ...(err.errorCode ? { errorCode: err.errorCode } : {}) };
  }
  return { error: err.error, error_description: err.description, ...err.extra };
}

export function errorResponse(err: OAuthError): ErrorResponse {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  if (err instanceof InvalidToken) {
    const params = ['realm="Users"'];
    if (err.bearerError) params.push(`error="${err.bearerError}"`, `error_description="${quote(err.description)}"`);
    headers['WWW-Authenticate'] = `Bearer ${params.join(', ')}`;
    return { status: err.status, headers, type: 'text/plain; charset=utf-8', body: 'Unauthorized' };
  }
  if (err instanceof MethodNotAllowed) headers.Allow = err.allow.join(', ');
  return { status: err.status, headers, type: 'application/json; charset=utf-8', body: JSON.stringify(jsonBody(err)) };
}

export function renderError(ctx: Context, err: OAuthError): void {
  const response = errorResponse(err);
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.type = response.type;
  ctx.body = response.body;
}

/** Koa's own HTTP errors (thrown by koa itself or by middleware) that are safe to pass on. */
function fromHttpError(err: unknown): OAuthError | undefined {
  const status = (err as { status?: unknown }).status;
  const expose = (err as { expose?: unknown }).expose;
  if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
    return new OAuthError(status, 'invalid_request', (err as Error).message);
  }
  return undefined;
}

/**
 * What a thrown value becomes for the client, in the dialect of where it happened; what is not a known
 * client error is reported first.
 */
export function knownError(err: unknown, onUnexpected: (err: unknown) => void, dialect: ErrorDialect = 'oauth'): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof RequestError) {
    return dialect === 'management' ? new ManagementError(err.status, err.message, err.code) : new OAuthError(err.status, err.code, err.message);
  }
  if (err instanceof TimeRangeError) return new InvalidRequest(err.message);
  const known = fromHttpError(err);
  if (known) return known;
  // The state folder failed us (disk full, say): not a bug, so no stack; the reason goes in the log line.
  if (err instanceof StateError) return new ServerError(INTERNAL, { logDetail: err.message });
  onUnexpected(err);
  return new ServerError(INTERNAL);
}

/**
 * The error page of a browser endpoint (views/error-page.ts), loaded on the first error that needs it: the
 * views are not part of start-up. Browser pages are never framed (Auth0's Universal Login pages say so too).
 */
async function renderPage(ctx: Context, err: OAuthError): Promise<void> {
  const { errorPage } = await import('./views/error-page.js');
  const state = ctx.state as { tenant?: { friendlyName: string }; requestId?: string };
  const body = errorPage({ error: err.error, description: err.description, tenant: state.tenant?.friendlyName, trackingId: state.requestId });
  ctx.status = err.status;
  ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', 'X-Frame-Options': 'deny', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" });
  if (err instanceof MethodNotAllowed) ctx.set('Allow', err.allow.join(', '));
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body;
}

export function errorMiddleware(onUnexpected: (err: unknown) => void) {
  return async function renderErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const dialect = dialectOf(ctx);
      const known = knownError(err, onUnexpected, dialect);
      ctx.state.error = known;
      if (dialect === 'page') {
        try {
          return await renderPage(ctx, known);
        } catch (pageError) {
          // The page itself failed (a bug): the error still goes out, as JSON.
          onUnexpected(pageError);
        }
      }
      renderError(ctx, known);
    }
  };
}

/** The dialect at the request's path (tenant prefix taken off by then); OAuth's when the target is no URL. */
function dialectOf(ctx: Context): ErrorDialect {
  try {
    return errorDialect(ctx.path);
  } catch {
    return 'oauth';
  }
}
