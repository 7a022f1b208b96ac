/**
 * `GET|POST <issuer>authorize` (browser flows reference §1): validate, then either answer at once from the
 * browser's session (single sign-on, or silent authentication's `prompt=none`) or start a login transaction
 * and send the browser to the login page.
 */
import type { TenantEnv } from '../endpoints/token.js';
import { urlFor } from '../http/routes.js';
import type { RequestInfo } from '../model/request-info.js';
import { OAuthError } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';
import { complete, targetOf } from './complete.js';
import { isSilent, readAuthorizeRequest, type AuthorizeRequest } from './request.js';
import { CallbackError, errorAnswer, type BrowserAnswer, type FlowNote } from './respond.js';
import { findSession, ssoAllowed } from './session.js';

/** The login page's URL for a transaction (absolute: a path-form tenant's pages are under its path). */
const loginPageUrl = (issuer: string, transactionId: string): string => `${urlFor(issuer, 'login')}?state=${encodeURIComponent(transactionId)}`;

export async function authorize(env: TenantEnv, params: Params, sessionId: string | undefined, request: RequestInfo, note: FlowNote = {}): Promise<BrowserAnswer> {
  let read: ReturnType<typeof readAuthorizeRequest>;
  try {
    read = readAuthorizeRequest(env.tenant, params);
  } catch (err) {
    if (!(err instanceof CallbackError)) throw err;
    // Errors go to the callback only once the client is known.
    note.client = params.client_id;
    note.error = err.error;
    return errorAnswer(err.target, err.error);
  }
  const { client, request: authorizeRequest } = read;
  note.client = client.clientId;
  const session = await findSession(env, sessionId);
  if (ssoAllowed(env, client, authorizeRequest, session)) {
    const { record } = session;
    return complete({
      env,
      client,
      request,
      transactionId: undefined,
      transaction: {
        tenant: env.tenant.name,
        clientId: client.clientId,
        request: authorizeRequest,
        createdAt: env.now(),
        login: { userId: record.userId, connection: record.connection, sessionId: session.id, authTime: record.authTime },
      },
      fresh: false,
      note,
    });
  }
  // Silent authentication never shows a page (reference §5.2).
  if (isSilent(authorizeRequest)) {
    note.error = new OAuthError(400, 'login_required', 'Login required', { logDetail: session ? 'the session cannot answer this request' : 'no session' });
    return errorAnswer(targetOf(authorizeRequest), note.error);
  }
  const id = await env.loginTransactions.start<AuthorizeRequest>({ tenant: env.tenant.name, clientId: client.clientId, request: authorizeRequest, createdAt: env.now() });
  // NOTE(emulator): `screen_hint=signup` would land on Auth0's signup page; the emulator has no signup, so the login page.
  return { kind: 'redirect', location: loginPageUrl(env.issuer, id) };
}
