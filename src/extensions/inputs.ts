/**
 * What extension code receives, shaped as Auth0 passes it (reference §8.2, §8.3, §9, §10). Plain data:
 * it crosses to a worker by copy.
 */
import type { LoginFlow } from '../model/login-flow.js';
import type { RequestInfo } from '../model/request-info.js';
import type { Api, Client, Connection, Tenant } from '../model/tenant.js';
import type { User } from '../model/user.js';
import type { Params } from '../oauth/params.js';
import { authorizationOf } from '../model/rbac.js';
import { auth0Profile } from '../model/user-profile.js';
import type { UserMetadata } from '../runtime/user-state.js';

/**
 * A browser login's transaction, as Actions see it in `event.transaction` (browser flows reference §9) and
 * rules in `context.request.query`: the /authorize request.
 */
export interface BrowserTransaction {
  /** The login transaction's id. */
  readonly id: string;
  readonly query: Readonly<Record<string, string>>;
  readonly redirect_uri: string;
  readonly response_type: readonly string[];
  readonly response_mode: string | undefined;
  readonly state: string | undefined;
  readonly prompt: readonly string[];
  readonly login_hint: string | undefined;
  readonly ui_locales: readonly string[];
  readonly acr_values: readonly string[];
}

/** One login as the user pipeline sees it: how it happened (its flow), who, through which client, for what. */
export interface Login {
  readonly flow: LoginFlow;
  readonly tenant: Tenant;
  readonly client: Client;
  readonly user: User;
  readonly connection: Connection | undefined;
  readonly api: Api | undefined;
  readonly scopes: readonly string[];
  readonly requestedScopes: readonly string[];
  readonly params: Params;
  readonly request: RequestInfo;
  /** From UserState.metadata: the same objects until they change. */
  readonly metadata: UserMetadata;
  readonly logins: number;
  /** Epoch seconds: the tokens' issue time. */
  readonly now: number;
  /** A browser login's /authorize request. */
  readonly browser?: BrowserTransaction | undefined;
}

/** The request body as extension code sees it: never the password or the client secret. */
export function safeBody(params: Params): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && k !== 'password' && k !== 'client_secret') body[k] = v;
  return body;
}

const profile = (login: Login) => auth0Profile(login.user, login.metadata);

/*
 * Rules run on every login, so their inputs are built as JSON text (as the worker takes them, see Job in
 * pool.ts) from cached parts: the user's profile (per user record and metadata objects) and the context's
 * client and connection fields. What changes per login (logins_count, the request, the time) is appended
 * to the cached text. This saved a third of a trivial rule's main-thread cost (measured).
 */
const userText = new WeakMap<UserMetadata, WeakMap<Login['user'], string>>();
const contextText = new WeakMap<Login['client'], Map<string, string>>();

/**
 * The rule `user`: the profile, with app_metadata's properties also merged at the root (reference §8.3),
 * and `logins_count` (a key app_metadata also has keeps its first position, as object spread would).
 */
export function ruleUserJson(login: Login): string {
  let byUser = userText.get(login.metadata);
  if (!byUser) userText.set(login.metadata, (byUser = new WeakMap()));
  let head = byUser.get(login.user);
  if (head === undefined) byUser.set(login.user, (head = JSON.stringify({ ...login.metadata.appMetadata, ...profile(login) }).slice(0, -1)));
  return `${head},"logins_count":${login.logins}}`;
}

/** The rule `context`: client and connection (cached), then the login's own fields. */
export function ruleContextJson(login: Login): string {
  let byConnection = contextText.get(login.client);
  if (!byConnection) contextText.set(login.client, (byConnection = new Map()));
  const key = `${login.tenant.name}\u0000${login.connection?.id ?? ''}\u0000${login.connection?.name ?? login.user.connection}`;
  let head = byConnection.get(key);
  if (head === undefined) byConnection.set(key, (head = JSON.stringify(contextHead(login)).slice(0, -1)));
  return `${head},${JSON.stringify(contextTail(login)).slice(1)}`;
}

function contextHead(login: Login) {
  const { tenant, client, connection } = login;
  return {
    tenant: tenant.name,
    clientID: client.clientId,
    clientName: client.name,
    clientMetadata: client.metadata,
    connection: connection?.name ?? login.user.connection,
    connectionID: connection?.id,
    connectionStrategy: 'auth0',
    connectionOptions: {},
    connectionMetadata: {},
  };
}

function contextTail(login: Login) {
  const { request } = login;
  return {
    protocol: login.flow.protocol,
    request: { userAgent: request.userAgent, ip: request.ip, hostname: request.hostname, query: login.browser ? safeBody(login.browser.query) : {}, body: login.browser ? {} : safeBody(login.params), geoip: {} },
    stats: { loginsCount: login.logins },
    sso: { with_auth0: false, with_dbconn: false, current_clients: [] },
    accessToken: {},
    idToken: {},
    authentication: { methods: authenticationMethods(login, (seconds) => seconds * 1000) },
    authorization: { roles: roleNames(login) },
  };
}

/** The user's role names (`context.authorization.roles`, `event.authorization.roles`), whatever the API. */
const roleNames = (login: Login): string[] => [...authorizationOf(login.tenant.authorizations, login.user.userId).roles];

/** The flow's authentication methods, each at its time (this login's when the flow gives none), in the caller's unit. */
function authenticationMethods<T>(login: Login, time: (seconds: number) => T) {
  return login.flow.authentication.map((method) => ({ name: method.name, timestamp: time(method.timestamp ?? login.now) }));
}

export function hookClient(tenant: Tenant, client: Client) {
  return { tenant: tenant.name, id: client.clientId, name: client.name, metadata: client.metadata };
}

export function hookContext(request: RequestInfo, secrets: Readonly<Record<string, string>>) {
  return { ip: request.ip, userAgent: request.userAgent, webtask: { secrets } };
}

export function passwordHookUser(login: Login) {
  return {
    tenant: login.tenant.name,
    id: login.user.userId,
    displayName: login.user.name,
    email: login.user.email,
    user_metadata: login.metadata.userMetadata,
    app_metadata: login.metadata.appMetadata,
  };
}

export function postLoginEvent(login: Login) {
  const { tenant, client, connection, request } = login;
  return {
    user: { ...profile(login), multifactor: [] },
    client: { client_id: client.clientId, name: client.name, metadata: client.metadata },
    connection: { id: connection?.id, name: connection?.name ?? login.user.connection, strategy: 'auth0', metadata: {} },
    request: login.browser
      ? { ip: request.ip, hostname: request.hostname, method: 'GET', user_agent: request.userAgent, query: safeBody(login.browser.query), body: {}, geoip: {} }
      : { ip: request.ip, hostname: request.hostname, method: 'POST', user_agent: request.userAgent, query: {}, body: safeBody(login.params), geoip: {} },
    transaction: login.browser ? browserTransaction(login, login.browser) : { id: request.id, protocol: login.flow.protocol, requested_scopes: login.requestedScopes, locale: 'en' },
    authentication: { methods: authenticationMethods(login, (seconds) => new Date(seconds * 1000).toISOString()) },
    authorization: { roles: roleNames(login) },
    stats: { logins_count: login.logins },
    tenant: { id: tenant.name },
    ...(login.api ? { resource_server: { identifier: login.api.identifier } } : {}),
  };
}

function browserTransaction(login: Login, browser: BrowserTransaction) {
  const { query: _query, ...fields } = browser;
  return { ...fields, protocol: login.flow.protocol, requested_scopes: login.requestedScopes, locale: 'en' };
}

export function credentialsExchangeEvent(tenant: Tenant, client: Client, api: Api, scopes: readonly string[], requested: readonly string[], request: RequestInfo, params: Params) {
  return {
    client: { client_id: client.clientId, name: client.name, metadata: client.metadata },
    request: { ip: request.ip, hostname: request.hostname, method: 'POST', user_agent: request.userAgent, body: safeBody(params), geoip: {} },
    resource_server: { identifier: api.identifier },
    accessToken: { scope: scopes, customClaims: {} },
    transaction: { requested_scopes: requested },
    tenant: { id: tenant.name },
  };
}
