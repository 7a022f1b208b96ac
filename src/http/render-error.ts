/**
 * The one place errors become responses. OAuthErrors render as Auth0's `{error, error_description}` with
 * Auth0's status; InvalidToken as the plain `Unauthorized` plus `WWW-Authenticate` (reference §6).
 * Anything unexpected becomes a 500 `server_error` with no stack in the response; the stack goes to the log.
 * Koa's error middleware and the fast lane (fast-lane.ts) both render through `errorResponse`.
 */
import type { Context, Next } from 'koa';
import { InvalidToken, MethodNotAllowed, OAuthError, ServerError } from '../oauth/errors.js';
import { StateError } from '../state/state-error.js';

const quote = (s: string) => s.replace(/["\\]/g, '');
const INTERNAL = 'Internal error in the emulator (see its log)';

export interface ErrorResponse {
  status: number;
  /** Response headers besides Content-Type and Content-Length. */
  headers: Record<string, string>;
  type: 'application/json; charset=utf-8' | 'text/plain; charset=utf-8';
  body: string;
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
  return { status: err.status, headers, type: 'application/json; charset=utf-8', body: JSON.stringify(err.toJSON()) };
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

/** What a thrown value becomes for the client; what is not a known client error is reported first. */
export function knownError(err: unknown, onUnexpected: (err: unknown) => void): OAuthError {
  const known = err instanceof OAuthError ? err : fromHttpError(err);
  if (known) return known;
  // The state folder failed us (disk full, say): not a bug, so no stack; the reason goes in the log line.
  if (err instanceof StateError) return new ServerError(INTERNAL, { logDetail: err.message });
  onUnexpected(err);
  return new ServerError(INTERNAL);
}

export function errorMiddleware(onUnexpected: (err: unknown) => void) {
  return async function renderErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const known = knownError(err, onUnexpected);
      ctx.state.error = known;
      renderError(ctx, known);
    }
  };
}
