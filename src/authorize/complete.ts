/**
 * The end of a browser login: the user is known (the login page, or a session), so the extensions run (rules
 * and post-login Actions, with the protocol of the response type and `event.transaction`), and the callback
 * gets what the response type asks for: a code (kept in the store with everything the exchange needs, the
 * extensions' draft included), tokens in the front channel, or both. A denial goes to the callback as an
 * error; a redirect from extension code suspends the login in its transaction until `/continue`.
 */
import type { TenantEnv } from '../endpoints/token.js';
import type { BrowserTransaction } from '../extensions/inputs.js';
import type { Resumption, Suspension, TokenDraft, UserTokenDraft } from '../extensions/run-user-extensions.js';
import { offlineAccessAllowed } from '../grants/audience.js';
import { draftUserTokens, signUserTokens } from '../grants/issue-tokens.js';
import type { GrantContext } from '../grants/types.js';
import type { LoginFlow, Protocol } from '../model/login-flow.js';
import type { RequestInfo } from '../model/request-info.js';
import type { Client } from '../model/tenant.js';
import { AccessDenied, InvalidRequest, OAuthError, Unauthorized } from '../oauth/errors.js';
import { browserLoginScopes, rbacScopes } from '../oauth/scopes.js';
import type { LoginTransactionRecord } from '../store/login-transactions.js';
import { isSilent, type AuthorizeRequest, type ResponseType } from './request.js';
import { answer, CallbackError, errorAnswer, type BrowserAnswer, type FlowNote, type ResponseTarget } from './respond.js';
import { lifetimesOf } from './session.js';

/** What a transaction keeps while a redirect from extension code is away (its `suspended`). */
export type Suspended = Resumption;

export type Transaction = LoginTransactionRecord<AuthorizeRequest>;
export type LoggedIn = NonNullable<Transaction['login']>;

/** Auth0's page for a login transaction it cannot find (reference §1.3): expired, finished, or never given. */
export function staleTransaction(logDetail: string): InvalidRequest {
  return new InvalidRequest(
    "You may have pressed the back button, refreshed during login, opened too many login dialogs, or there is some issue with cookies, since we couldn't find your session. Try logging in again from the application and if the problem persists please contact the administrator.",
    { logDetail },
  );
}

export const targetOf = (request: AuthorizeRequest): ResponseTarget => ({ redirectUri: request.redirectUri, mode: request.responseMode, state: request.state });

/**
 * The protocol extension code is told, by response type. NOTE(emulator): Auth0 names the protocols
 * (reference §9) but publishes no table from response types; this follows OIDC's flow names.
 */
function protocolOf(type: ResponseType): Protocol {
  if (!type.code) return 'oidc-implicit-profile';
  return type.idToken || type.token ? 'oidc-hybrid-profile' : 'oidc-basic-profile';
}

export interface Completion {
  readonly env: TenantEnv;
  readonly client: Client;
  readonly request: RequestInfo;
  /** The transaction's id; undefined for a single sign-on that has not needed one (no page was shown). */
  readonly transactionId: string | undefined;
  readonly transaction: Transaction & { readonly login: LoggedIn };
  /**
   * Whether the user has just authenticated (the login page): only then is it a login that counts in
   * `logins_count` (Auth0 does not count a single sign-on, community.auth0.com/t/91318).
   */
  readonly fresh: boolean;
  /** Back from a redirect (`/continue`): where the extensions resume, and the parameters the browser came back with. */
  readonly resumption?: { readonly suspended: Suspended; readonly query: Readonly<Record<string, string>> };
  /** For the request's log line. */
  readonly note?: FlowNote;
}

/** Runs the extensions and answers the callback; every error after this point goes to the callback. */
export async function complete(c: Completion): Promise<BrowserAnswer> {
  const target = targetOf(c.transaction.request);
  if (c.note) {
    c.note.client = c.transaction.clientId;
    c.note.user = c.transaction.login.userId;
  }
  try {
    return await completeOrThrow(c, target);
  } catch (err) {
    if (!(err instanceof CallbackError)) throw err;
    if (c.note) c.note.error = err.error;
    // An error answers the transaction too: going back to the resume step does not run the login again.
    if (c.transactionId !== undefined) await c.env.loginTransactions.finish(c.transactionId);
    return errorAnswer(err.target, err.error);
  }
}

async function completeOrThrow(c: Completion, target: ResponseTarget): Promise<BrowserAnswer> {
  const { env, client, transaction } = c;
  const { request, login } = transaction;
  const tenant = env.tenant;
  const fail = (error: OAuthError): never => {
    throw new CallbackError(target, error);
  };

  const user = tenant.usersById.get(login.userId);
  // NOTE(emulator): a user deleted during the login is answered as a session that ended.
  if (!user) return fail(new OAuthError(400, 'login_required', 'Login required'));
  // Auth0: a blocked user's login ends at the callback (reference §1.3, DOCS block-and-unblock-users).
  if (user.blocked) return fail(new Unauthorized('user is blocked'));
  const api = request.audience === undefined ? undefined : tenant.apis.get(request.audience);
  // The API may have gone with a reload since /authorize.
  if (request.audience !== undefined && !api) return fail(new AccessDenied(`Service not found: ${request.audience}`));
  const connection = tenant.connections.get(login.connection);
  const scopes = rbacScopes(browserLoginScopes(request.requestedScopes, api?.scopes, offlineAccessAllowed(client, api)), tenant, user.userId, api);
  const silent = isSilent(request);
  const flow: LoginFlow = {
    protocol: protocolOf(request.responseType),
    interactive: !silent,
    authentication: [{ name: 'pwd', timestamp: login.authTime }],
    passwordExchange: false,
    countsAsLogin: c.fresh,
    gty: undefined,
  };
  const ctx: GrantContext = { ...env, client, params: request.query, request: c.request };
  const browser: BrowserTransaction = {
    id: c.transactionId ?? c.request.id,
    // Back from a redirect, the request extension code sees is the one to /continue.
    query: c.resumption?.query ?? request.query,
    redirect_uri: request.redirectUri,
    response_type: request.responseTypeWords,
    response_mode: request.responseModeSent ? request.responseMode : undefined,
    state: request.state,
    prompt: request.prompt,
    login_hint: request.loginHint,
    ui_locales: request.uiLocales,
    acr_values: request.acrValues,
  };
  const userLogin = { flow, user, connection, api, scopes, requestedScopes: request.requestedScopes, browser };

  let draft: UserTokenDraft;
  try {
    draft = await draftUserTokens(ctx, { ...userLogin, resumption: c.resumption?.suspended });
  } catch (err) {
    // A denial (api.access.deny, a rule's error, UnauthorizedError) goes to the callback with its reason; under
    // prompt=none, an MFA requirement is Auth0's login_required (reference §5.2). NOTE(emulator): Auth0 would show
    // its MFA pages in an interactive login; the emulator has none, and sends mfa_required to the callback.
    if (!(err instanceof OAuthError)) throw err;
    if (silent && err.error === 'mfa_required') return fail(new OAuthError(400, 'login_required', 'Multifactor authentication required'));
    return fail(err);
  }
  if (draft.redirect) return suspend(c, draft, draft.redirect);

  // Taken from the store now: of two concurrent answers to one transaction (a double submit), one goes on.
  if (c.transactionId !== undefined && !(await env.loginTransactions.finish(c.transactionId))) throw staleTransaction('the transaction was answered meanwhile');
  await touchSession(env, login.sessionId, client.clientId);

  const now = env.now();
  const type = request.responseType;
  const tokenDraft: TokenDraft = { scopes: draft.scopes, accessToken: draft.accessToken, idToken: draft.idToken };
  const code = type.code
    ? await env.authorizationCodes.issue({
        tenant: tenant.name,
        clientId: client.clientId,
        redirectUri: request.redirectUriSent ? request.redirectUri : undefined,
        codeChallenge: request.codeChallenge,
        codeChallengeMethod: request.codeChallengeMethod,
        nonce: request.nonce,
        userId: user.userId,
        connection: login.connection,
        sessionId: login.sessionId,
        authTime: login.authTime,
        audience: api?.identifier,
        scopes,
        requestedScopes: request.requestedScopes,
        draft: tokenDraft,
        issuedAt: now,
      })
    : undefined;
  if (!type.idToken && !type.token) return answer(target, { code });

  // Front-channel tokens (implicit and hybrid): never a refresh token (reference §1.2).
  // NOTE(emulator): Auth0's APIs have an "implicit / hybrid flow access token lifetime"; the API's token lifetime here.
  // NOTE(emulator): auth_time is always in the ID token (reference §11.10).
  const tokens = await signUserTokens(
    ctx,
    { ...userLogin, refresh: { issue: false }, alwaysReturnScope: false, issuedAt: now },
    tokenDraft,
    { nonce: request.nonce, sid: login.sessionId, authTime: login.authTime, code, atHash: type.token },
  );
  return answer(target, {
    code,
    ...(type.token ? { access_token: tokens.access_token, scope: tokens.scope, expires_in: String(tokens.expires_in), token_type: tokens.token_type } : {}),
    ...(type.idToken ? { id_token: tokens.id_token } : {}),
  });
}

/** The session was used by a client (idle expiry starts again; the client joins its list). */
async function touchSession(env: TenantEnv, sessionId: string, clientId: string): Promise<void> {
  const lifetimes = lifetimesOf(env.tenant);
  const record = await env.sessions.find(sessionId, env.now(), lifetimes);
  if (record) await env.sessions.touch(sessionId, record, { clientId }, env.now(), lifetimes);
}

/**
 * A redirect from extension code: the login waits in its transaction (started now for a single sign-on, which
 * had none) while the browser is away; the browser goes to the URL with `state=<transaction>` added, and comes
 * back to `/continue?state=<transaction>` (browser flows reference §9).
 */
async function suspend(c: Completion, draft: UserTokenDraft, redirect: { url: string; from: Suspension }): Promise<BrowserAnswer> {
  const { env } = c;
  const suspended: Suspended = { from: redirect.from, draft: { scopes: draft.scopes, accessToken: draft.accessToken, idToken: draft.idToken } };
  const id = c.transactionId ?? (await env.loginTransactions.start({ tenant: c.transaction.tenant, clientId: c.transaction.clientId, request: c.transaction.request, createdAt: env.now() }));
  await env.loginTransactions.update(id, { ...c.transaction, suspended });
  return { kind: 'redirect', location: withState(redirect.url, id) };
}

/** The URL with `state` added to its query (before any fragment). */
function withState(url: string, state: string): string {
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}state=${encodeURIComponent(state)}${fragment}`;
}
