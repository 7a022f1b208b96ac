/**
 * Reading an /authorize request, in Auth0's order (browser flows reference §1.3): first what decides whether
 * the callback can be trusted at all (the client, the redirect_uri, a web_message origin), answered with
 * Auth0's error page (thrown as an OAuthError: the route's errors are pages); then everything else, answered
 * to the callback in the response mode with `error`, `error_description` and `state` (thrown as a
 * CallbackError, which carries where to answer).
 */
import { resolveAudience } from '../grants/audience.js';
import type { Client, Connection, Tenant } from '../model/tenant.js';
import { InvalidRequest, OAuthError, UnauthorizedClient } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';
import { splitScope } from '../oauth/params.js';
import { callbackAllowed, originOf, webOriginAllowed } from '../oauth/url-match.js';
import { CallbackError, type ResponseMode, type ResponseTarget } from './respond.js';

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post', 'web_message'];

/** What the response type asks for in the front channel. */
export interface ResponseType {
  readonly code: boolean;
  readonly idToken: boolean;
  readonly token: boolean;
}

/** The validated request, as kept in its login transaction (plain JSON: the store may write it to a file). */
export interface AuthorizeRequest {
  readonly clientId: string;
  /** Where the answer goes: the redirect_uri sent, or the client's first callback when none was. */
  readonly redirectUri: string;
  /** Whether redirect_uri was sent (the code exchange must then repeat it). */
  readonly redirectUriSent: boolean;
  /** The response type's words, in the order sent (`event.transaction.response_type`). */
  readonly responseTypeWords: readonly string[];
  readonly responseType: ResponseType;
  readonly responseMode: ResponseMode;
  /** Whether response_mode was sent (Actions see only one that was). */
  readonly responseModeSent: boolean;
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly requestedScopes: readonly string[];
  /** The API's identifier (the audience sent, or the tenant's default); undefined for none. */
  readonly audience: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: 'S256' | 'plain' | undefined;
  /** `prompt`'s words (`none`, `login`, `consent`, `select_account`). */
  readonly prompt: readonly string[];
  /** Seconds. */
  readonly maxAge: number | undefined;
  readonly loginHint: string | undefined;
  readonly screenHint: string | undefined;
  /** The connection the user logs in with: the `connection` sent, or the client's directory. */
  readonly connection: string;
  readonly uiLocales: readonly string[];
  readonly acrValues: readonly string[];
  /** The request's parameters as extension code sees them (`event.request.query`, rules' `context.request.query`). */
  readonly query: Readonly<Record<string, string>>;
}

/** Whether the request forbids any page (silent authentication). */
export const isSilent = (request: AuthorizeRequest): boolean => request.prompt.includes('none');

/** A parameter's value; an empty one is none. */
const word = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/** Reads the parameters Auth0's /authorize reads; others (auth0Client, ext-*, …) are ignored. */
export function readAuthorizeRequest(tenant: Tenant, params: Params): { client: Client; request: AuthorizeRequest } {
  // 1. The client: unknown, or not named at all, is Auth0's error page.
  const clientId = word(params.client_id);
  // NOTE(emulator): Auth0's text for a missing client_id is not confirmed; an unknown one is "Unknown client: <id>".
  if (clientId === undefined) throw new InvalidRequest('Missing required parameter: client_id');
  const client = tenant.clients.get(clientId);
  if (!client) throw new InvalidRequest(`Unknown client: ${clientId}`);

  // 2. The callback. Auth0 drops a fragment (reference §1.1).
  const sent = word(params.redirect_uri)?.replace(/#.*$/s, '');
  // NOTE(emulator): without redirect_uri, Auth0's behaviour is not confirmed (reference §11.2): the client's
  // first Allowed Callback URL, when it has one without a wildcard; the error page otherwise.
  const fallback = client.callbacks.find((url) => !url.includes('*'));
  if (sent === undefined && fallback === undefined) throw new InvalidRequest('Missing required parameter: redirect_uri');
  const redirectUri = sent ?? fallback!;
  // NOTE(emulator): the status of the callback-mismatch page is not confirmed (reference §11.1): 400, as the
  // unknown-client page.
  if (sent !== undefined && !callbackAllowed(client, sent)) {
    throw new OAuthError(400, 'unauthorized_client', `Callback URL mismatch. ${sent} is not in the list of allowed callback URLs`);
  }

  // 3. The response mode (for where errors go), and web_message's origin, which must be allowed before anything
  // is posted to it.
  const responseTypeWords = splitScope(params.response_type);
  const responseType: ResponseType = { code: responseTypeWords.includes('code'), idToken: responseTypeWords.includes('id_token'), token: responseTypeWords.includes('token') };
  const frontTokens = responseType.idToken || responseType.token;
  const modeSent = word(params.response_mode);
  const knownMode = RESPONSE_MODES.find((m) => m === modeSent);
  if (knownMode === 'web_message') {
    const origin = originOf(redirectUri);
    if (origin === undefined || !webOriginAllowed(client, origin)) {
      // The text of Auth0's tenant log for this case (reference §1.3, item 3).
      throw new InvalidRequest(`The specified redirect_uri '${redirectUri}' does not have a registered origin.`);
    }
  }
  // query is for codes only: with tokens in the answer, an error goes in the fragment (reference §11.7).
  const target: ResponseTarget = {
    redirectUri,
    mode: knownMode !== undefined && !(knownMode === 'query' && frontTokens) ? knownMode : frontTokens ? 'fragment' : 'query',
    state: params.state,
  };
  const fail = (error: OAuthError): never => {
    throw new CallbackError(target, error);
  };

  // 4. Everything else goes to the callback.
  if (responseTypeWords.length === 0) fail(new InvalidRequest('Missing required parameter: response_type'));
  // NOTE(emulator): Auth0's texts for an unsupported response type or mode are not confirmed (reference §11.7).
  if (responseTypeWords.some((w) => w !== 'code' && w !== 'id_token' && w !== 'token')) {
    fail(new OAuthError(400, 'unsupported_response_type', `Unsupported response type: ${responseTypeWords.join(' ')}`));
  }
  if (modeSent !== undefined && knownMode === undefined) fail(new InvalidRequest(`Unsupported response mode: ${modeSent}`));
  if (knownMode === 'query' && frontTokens) {
    fail(new OAuthError(400, 'unsupported_response_type', `response_mode=query is not supported with response_type=${responseTypeWords.join(' ')}`));
  }
  // The grants behind the response type (Auth0's text, as /oauth/token's). NOTE(emulator): whether /authorize
  // checks this is not confirmed (reference §1.3); a hybrid response type needs both grants here.
  const needed = [...(responseType.code ? ['authorization_code'] : []), ...(frontTokens ? ['implicit'] : [])];
  for (const grant of needed) if (!client.grantTypes.has(grant)) fail(new UnauthorizedClient(`Grant type '${grant}' not allowed for the client.`));

  const nonce = word(params.nonce);
  // An ID token in the front channel without a code is the implicit flow: its nonce is required (reference §1.1).
  // NOTE(emulator): Auth0's text is not confirmed; OIDC's hybrid flow also asks for a nonce, not required here.
  if (responseType.idToken && !responseType.code && nonce === undefined) fail(new InvalidRequest('Missing required parameter: nonce'));

  const codeChallenge = word(params.code_challenge);
  const method = word(params.code_challenge_method);
  // NOTE(emulator): an absent method with a challenge is `plain` (RFC 7636; reference §11.6); the texts are ours.
  if (method !== undefined && method !== 'S256' && method !== 'plain') fail(new InvalidRequest(`Invalid code_challenge_method: ${method} (use S256 or plain)`));
  if (method !== undefined && codeChallenge === undefined) fail(new InvalidRequest('Missing required parameter: code_challenge'));

  // NOTE(emulator): `consent` and `select_account` are accepted and change nothing: there is no consent page (the
  // emulator's clients are first-party ones that skip consent) and one session per browser.
  const prompt = splitScope(params.prompt);
  // OIDC core §3.1.2.1: `none` with any other value is an error.
  if (prompt.includes('none') && prompt.length > 1) fail(new InvalidRequest('prompt=none cannot be combined with other prompt values'));

  const maxAgeText = word(params.max_age);
  if (maxAgeText !== undefined && !/^\d{1,10}$/.test(maxAgeText)) fail(new InvalidRequest('max_age must be a number of seconds'));

  const requestedScopes = params.scope === undefined ? ['openid'] : splitScope(params.scope);
  // NOTE(emulator): without `scope`, Auth0's behaviour is not confirmed (reference §11.11): `openid`.
  // An ID token needs `openid`; OIDC answers invalid_request (core §3.1.2.6), Auth0's text is not confirmed.
  if (responseType.idToken && !requestedScopes.includes('openid')) fail(new InvalidRequest('response_type id_token requires the openid scope'));

  let audience: string | undefined;
  try {
    audience = resolveAudience(tenant, params)?.identifier;
  } catch (err) {
    // Auth0: access_denied "Service not found: <audience>" to the callback.
    fail(err as OAuthError);
  }

  const connection = chooseConnection(tenant, client, word(params.connection), fail);

  return {
    client,
    request: {
      clientId,
      redirectUri,
      redirectUriSent: sent !== undefined,
      responseTypeWords,
      responseType,
      responseMode: target.mode,
      responseModeSent: modeSent !== undefined,
      state: params.state,
      nonce,
      requestedScopes,
      audience,
      codeChallenge,
      codeChallengeMethod: codeChallenge === undefined ? undefined : ((method ?? 'plain') as 'S256' | 'plain'),
      prompt,
      maxAge: maxAgeText === undefined ? undefined : Number(maxAgeText),
      loginHint: word(params.login_hint),
      screenHint: word(params.screen_hint),
      connection: connection.name,
      uiLocales: splitScope(params.ui_locales),
      acrValues: splitScope(params.acr_values),
      query: Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)),
    },
  };
}

/** A connection the client may log in with. */
export const enabledFor = (connection: Connection, client: Client): boolean => connection.enabledClients === undefined || connection.enabledClients.has(client.clientId);

/**
 * The directory of the login: the `connection` sent; else the tenant's Default Directory when the client
 * may use it; else the first connection enabled for the client (Auth0 prefers a database connection, and
 * every connection here is one).
 */
function chooseConnection(tenant: Tenant, client: Client, name: string | undefined, fail: (error: OAuthError) => never): Connection {
  if (name !== undefined) {
    const named = tenant.connections.get(name);
    // Auth0 answers this for a connection that does not exist and for one not enabled for the client alike
    // (auth0/auth0.js#822).
    if (!named || !enabledFor(named, client)) return fail(new InvalidRequest('the connection was not found'));
    return named;
  }
  const directory = tenant.defaultDirectory === undefined ? undefined : tenant.connections.get(tenant.defaultDirectory);
  if (directory && enabledFor(directory, client)) return directory;
  const first = [...tenant.connections.values()].find((c) => enabledFor(c, client));
  // Auth0's answer when a client has no connection (auth0-samples/auth0-vue-samples#185).
  return first ?? fail(new InvalidRequest('no connections enabled for the client'));
}
