/**
 * The one place errors become responses. OAuthErrors render as Auth0's `{error, error_description}` with
 * Auth0's status; InvalidToken as the plain `Unauthorized` plus `WWW-Authenticate` (reference §6).
 * Anything unexpected becomes a 500 `server_error` with no stack in the response; the stack goes to the log.
 */
import type { Context, Next } from 'koa';
import { InvalidToken, MethodNotAllowed, OAuthError, ServerError } from '../oauth/errors.js';

const quote = (s: string) => s.replace(/["\\]/g, '');

export function renderError(ctx: Context, err: OAuthError): void {
  ctx.status = err.status;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  if (err instanceof InvalidToken) {
    const params = ['realm="Users"'];
    if (err.bearerError) params.push(`error="${err.bearerError}"`, `error_description="${quote(err.description)}"`);
    ctx.set('WWW-Authenticate', `Bearer ${params.join(', ')}`);
    ctx.type = 'text/plain';
    ctx.body = 'Unauthorized';
    return;
  }
  if (err instanceof MethodNotAllowed) ctx.set('Allow', err.allow.join(', '));
  ctx.body = err.toJSON();
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

export function errorMiddleware(onUnexpected: (err: unknown, ctx: Context) => void) {
  return async function renderErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      let known = err instanceof OAuthError ? err : fromHttpError(err);
      if (!known) {
        onUnexpected(err, ctx);
        known = new ServerError('Internal error in the emulator (see its log)');
      }
      ctx.state.error = known;
      renderError(ctx, known);
    }
  };
}
