/**
 * What extension code receives, shaped as Auth0 passes it (reference §8.2, §8.3, §9, §10). Plain data:
 * it crosses to a worker by copy.
 */
import type { Api, Client, Connection, Tenant } from '../model/tenant.js';
import type { RequestInfo } from '../model/request-info.js';
import type { User } from '../model/user.js';
import type { Params } from '../oauth/params.js';
import { auth0Profile } from '../model/user-profile.js';
import type { UserMetadata } from '../state/user-state.js';

export interface UserFlow {
  readonly tenant: Tenant;
  readonly client: Client;
  readonly user: User;
  readonly connection: Connection | undefined;
  readonly protocol: 'oauth2-password' | 'oauth2-refresh-token';
  readonly api: Api | undefined;
  readonly scopes: readonly string[];
  readonly requestedScopes: readonly string[];
  readonly params: Params;
  readonly request: RequestInfo;
  /** From UserState.metadata: the same objects until they change. */
  readonly metadata: UserMetadata;
  readonly logins: number;
  readonly now: number;
}

/** The request body as extension code sees it: never the password or the client secret. */
export function safeBody(params: Params): Record<string, string> {
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && k !== 'password' && k !== 'client_secret') body[k] = v;
  return body;
}

const profile = (flow: UserFlow) => auth0Profile(flow.user, flow.metadata);

/*
 * Rules run on every login, so their inputs are built as JSON text (as the worker takes them, see Job in
 * pool.ts) from cached parts: the user's profile (per user record and metadata objects) and the context's
 * client and connection fields. What changes per login (logins_count, the request, the time) is appended
 * to the cached text. This saved a third of a trivial rule's main-thread cost (measured).
 */
const userText = new WeakMap<UserMetadata, WeakMap<UserFlow['user'], string>>();
const contextText = new WeakMap<UserFlow['client'], Map<string, string>>();

/**
 * The rule `user`: the profile, with app_metadata's properties also merged at the root (reference §8.3),
 * and `logins_count` (a key app_metadata also has keeps its first position, as object spread would).
 */
export function ruleUserJson(flow: UserFlow): string {
  let byUser = userText.get(flow.metadata);
  if (!byUser) userText.set(flow.metadata, (byUser = new WeakMap()));
  let head = byUser.get(flow.user);
  if (head === undefined) byUser.set(flow.user, (head = JSON.stringify({ ...flow.metadata.appMetadata, ...profile(flow) }).slice(0, -1)));
  return `${head},"logins_count":${flow.logins}}`;
}

/** The rule `context`: client and connection (cached), then the login's own fields. */
export function ruleContextJson(flow: UserFlow): string {
  let byConnection = contextText.get(flow.client);
  if (!byConnection) contextText.set(flow.client, (byConnection = new Map()));
  const key = `${flow.tenant.name}\u0000${flow.connection?.id ?? ''}\u0000${flow.connection?.name ?? flow.user.connection}`;
  let head = byConnection.get(key);
  if (head === undefined) byConnection.set(key, (head = JSON.stringify(contextHead(flow)).slice(0, -1)));
  return `${head},${JSON.stringify(contextTail(flow)).slice(1)}`;
}

function contextHead(flow: UserFlow) {
  const { tenant, client, connection } = flow;
  return {
    tenant: tenant.name,
    clientID: client.clientId,
    clientName: client.name,
    clientMetadata: client.metadata,
    connection: connection?.name ?? flow.user.connection,
    connectionID: connection?.id,
    connectionStrategy: 'auth0',
    connectionOptions: {},
    connectionMetadata: {},
  };
}

function contextTail(flow: UserFlow) {
  const { request } = flow;
  return {
    protocol: flow.protocol,
    request: { userAgent: request.userAgent, ip: request.ip, hostname: request.hostname, query: {}, body: safeBody(flow.params), geoip: {} },
    stats: { loginsCount: flow.logins },
    sso: { with_auth0: false, with_dbconn: false, current_clients: [] },
    accessToken: {},
    idToken: {},
    authentication: { methods: [{ name: 'pwd', timestamp: flow.now * 1000 }] },
    authorization: { roles: [] },
  };
}

export function hookClient(tenant: Tenant, client: Client) {
  return { tenant: tenant.name, id: client.clientId, name: client.name, metadata: client.metadata };
}

export function hookContext(request: RequestInfo, secrets: Readonly<Record<string, string>>) {
  return { ip: request.ip, userAgent: request.userAgent, webtask: { secrets } };
}

export function passwordHookUser(flow: UserFlow) {
  return {
    tenant: flow.tenant.name,
    id: flow.user.userId,
    displayName: flow.user.name,
    email: flow.user.email,
    user_metadata: flow.metadata.userMetadata,
    app_metadata: flow.metadata.appMetadata,
  };
}

export function postLoginEvent(flow: UserFlow) {
  const { tenant, client, connection, request } = flow;
  return {
    user: { ...profile(flow), multifactor: [] },
    client: { client_id: client.clientId, name: client.name, metadata: client.metadata },
    connection: { id: connection?.id, name: connection?.name ?? flow.user.connection, strategy: 'auth0', metadata: {} },
    request: { ip: request.ip, hostname: request.hostname, method: 'POST', user_agent: request.userAgent, query: {}, body: safeBody(flow.params), geoip: {} },
    transaction: { id: request.id, protocol: flow.protocol, requested_scopes: flow.requestedScopes, locale: 'en' },
    authentication: { methods: [{ name: 'pwd', timestamp: new Date(flow.now * 1000).toISOString() }] },
    authorization: { roles: [] },
    stats: { logins_count: flow.logins },
    tenant: { id: tenant.name },
    ...(flow.api ? { resource_server: { identifier: flow.api.identifier } } : {}),
  };
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
