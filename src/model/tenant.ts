/**
 * The runtime model of one tenant, built once from its validated config. camelCase inside, with lookups
 * keyed for the token path (clients by id, users by lowercase email and username, grants by client+audience).
 */
import { createHash, createSecretKey } from 'node:crypto';
import type { ApiConfig, ClientConfig, TenantConfig } from '../config/schema.js';
import type { TenantExtensions } from '../extensions/load-scripts.js';
import { secretDigest } from '../oauth/constant-time.js';
import { hs256Signer, type Signer } from '../tokens/sign.js';
import { buildAuthorizations, type UserAuthorization } from './rbac.js';
import { buildUser, stableUserId, type User } from './user.js';

export interface Api {
  readonly identifier: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly allowOfflineAccess: boolean;
  readonly tokenLifetime: number;
  readonly signingAlg: 'RS256' | 'HS256';
  /** For HS256 APIs: signs with the API's pre-imported signing secret. RS256 APIs use the tenant key. */
  readonly hsSigner: Signer | undefined;
  /** RBAC: user flows get only the requested scopes the user has as permissions. */
  readonly enforcePolicies: boolean;
  /** `access_token_authz`: access tokens carry the user's `permissions`. */
  readonly tokenDialect: 'access_token' | 'access_token_authz';
}

export type AuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

export interface Client {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** SHA-256 of the secret, computed once, for the constant-time check on every request. */
  readonly secretDigest: Buffer | undefined;
  readonly name: string;
  readonly description: string | undefined;
  readonly appType: ClientConfig['app_type'];
  readonly authMethod: AuthMethod;
  readonly grantTypes: ReadonlySet<string>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly idTokenLifetime: number;
  readonly idTokenAlg: 'RS256' | 'HS256';
  /** For HS256 ID tokens: signs with the client secret. */
  readonly idTokenHsSigner: Signer | undefined;
  readonly refreshRotation: boolean;
  /** Seconds a refresh token lives, or undefined when it never expires. */
  readonly refreshLifetime: number | undefined;
  /** Allowed Callback URLs, as configured (matched by oauth/url-match.ts). */
  readonly callbacks: readonly string[];
  readonly allowedLogoutUrls: readonly string[];
  /** Allowed Web Origins (silent authentication, browser calls to /oauth/token). */
  readonly webOrigins: readonly string[];
  /** Allowed Origins (CORS). */
  readonly allowedOrigins: readonly string[];
}

export interface Connection {
  readonly id: string;
  readonly name: string;
  readonly strategy: 'auth0';
  readonly enabledClients: ReadonlySet<string> | undefined;
  readonly users: readonly User[];
  readonly byEmail: ReadonlyMap<string, User>;
  readonly byUsername: ReadonlyMap<string, User>;
}

export interface Tenant {
  readonly name: string;
  readonly friendlyName: string;
  readonly isDefault: boolean;
  /** A fixed issuer (docker-compose, proxies); otherwise the issuer is the URL the tenant was reached at. */
  readonly issuer: string | undefined;
  readonly defaultDirectory: string | undefined;
  readonly defaultAudience: string | undefined;
  readonly signingKeyFile: string | undefined;
  readonly apis: ReadonlyMap<string, Api>;
  readonly clients: ReadonlyMap<string, Client>;
  /** Client grant scopes keyed by `${client_id}\n${audience}`. */
  readonly clientGrants: ReadonlyMap<string, readonly string[]>;
  readonly connections: ReadonlyMap<string, Connection>;
  readonly usersById: ReadonlyMap<string, User>;
  /** Config users' roles and effective permissions, by user_id (see rbac.ts). */
  readonly authorizations: ReadonlyMap<string, UserAuthorization>;
  /** Rules, hooks and Actions, read and syntax-checked. */
  readonly extensions: TenantExtensions;
  /** The tenant's Allowed Logout URLs (a /v2/logout without client_id). */
  readonly allowedLogoutUrls: readonly string[];
  /** Seconds a login session lasts at most, and without use. */
  readonly sessionLifetime: number;
  readonly idleSessionLifetime: number;
  /** The login page lists the directory's users as one-click buttons. */
  readonly loginContinueAs: boolean;
  /** Brute-force protection: undefined when it is off. */
  readonly bruteForce: { readonly maxAttempts: number } | undefined;
}

export const grantKey = (clientId: string, audience: string) => `${clientId}\n${audience}`;

// NOTE(emulator): Auth0 fills grant_types from app_type when a client is created in the dashboard;
// these are the dashboard's defaults, plus `password` nowhere (it must be enabled explicitly, as in Auth0).
export const DEFAULT_GRANTS: Readonly<Record<ClientConfig['app_type'], readonly string[]>> = {
  spa: ['authorization_code', 'implicit', 'refresh_token'],
  native: ['authorization_code', 'implicit', 'refresh_token'],
  regular_web: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
  non_interactive: ['client_credentials'],
};

function buildApi(config: ApiConfig): Api {
  return {
    identifier: config.identifier,
    name: config.name ?? config.identifier,
    scopes: config.scopes.map((s) => (typeof s === 'string' ? s : s.value)),
    allowOfflineAccess: config.allow_offline_access,
    tokenLifetime: config.token_lifetime,
    signingAlg: config.signing_alg,
    hsSigner:
      config.signing_alg === 'HS256' && config.signing_secret !== undefined
        ? hs256Signer(createSecretKey(Buffer.from(config.signing_secret, 'utf8')))
        : undefined,
    enforcePolicies: config.enforce_policies,
    tokenDialect: config.token_dialect,
  };
}

export function buildClient(config: ClientConfig): Client {
  const isPublic = config.app_type === 'spa' || config.app_type === 'native';
  const authMethod: AuthMethod = config.token_endpoint_auth_method ?? (isPublic ? 'none' : 'client_secret_post');
  // Auth0 forces RS256 ID tokens for public clients: they cannot keep an HMAC secret (reference §5.1).
  const idTokenAlg = authMethod === 'none' ? 'RS256' : config.jwt_configuration.alg;
  return {
    clientId: config.client_id,
    clientSecret: config.client_secret,
    secretDigest: config.client_secret === undefined ? undefined : secretDigest(config.client_secret),
    name: config.name ?? config.client_id,
    description: config.description,
    appType: config.app_type,
    authMethod,
    grantTypes: new Set(config.grant_types ?? DEFAULT_GRANTS[config.app_type]),
    metadata: config.client_metadata,
    idTokenLifetime: config.jwt_configuration.lifetime_in_seconds,
    idTokenAlg,
    idTokenHsSigner:
      idTokenAlg === 'HS256' && config.client_secret !== undefined ? hs256Signer(createSecretKey(Buffer.from(config.client_secret, 'utf8'))) : undefined,
    refreshRotation: config.refresh_token.rotation_type === 'rotating',
    refreshLifetime: config.refresh_token.expiration_type === 'expiring' ? config.refresh_token.token_lifetime : undefined,
    callbacks: config.callbacks,
    allowedLogoutUrls: config.allowed_logout_urls,
    webOrigins: config.web_origins,
    allowedOrigins: config.allowed_origins,
  };
}

/** `con_` + 16 characters, stable per tenant and connection name, like Auth0's connection ids. */
function connectionId(tenant: string, name: string): string {
  return `con_${createHash('sha256').update(`${tenant}\n${name}`).digest('base64url').replace(/[-_]/g, '').slice(0, 16)}`;
}

export function buildTenant(config: TenantConfig, extensions: TenantExtensions, loadedAt: string, resolvePath: (p: string) => string): Tenant {
  const usersById = new Map<string, User>();
  const connections = new Map<string, Connection>();
  for (const c of config.connections) {
    const users = c.users.map((u) => buildUser(config.name, c.name, u, loadedAt));
    const byEmail = new Map<string, User>();
    const byUsername = new Map<string, User>();
    for (const user of users) {
      byEmail.set(user.email, user);
      if (user.username !== undefined) byUsername.set(user.username.toLowerCase(), user);
      usersById.set(user.userId, user);
    }
    connections.set(c.name, {
      id: connectionId(config.name, c.name),
      name: c.name,
      strategy: c.strategy,
      enabledClients: c.enabled_clients ? new Set(c.enabled_clients) : undefined,
      users,
      byEmail,
      byUsername,
    });
  }
  return {
    name: config.name,
    friendlyName: config.friendly_name ?? config.name,
    isDefault: config.default,
    issuer: config.issuer === undefined ? undefined : config.issuer.endsWith('/') ? config.issuer : `${config.issuer}/`,
    defaultDirectory: config.default_directory,
    defaultAudience: config.default_audience,
    signingKeyFile: config.signing_key === undefined ? undefined : resolvePath(config.signing_key),
    apis: new Map(config.apis.map((a) => [a.identifier, buildApi(a)])),
    clients: new Map(config.clients.map((c) => [c.client_id, buildClient(c)])),
    clientGrants: new Map(config.client_grants.map((g) => [grantKey(g.client_id, g.audience), g.scope])),
    connections,
    usersById,
    authorizations: buildAuthorizations(config, (connection, email, userId) => userId ?? stableUserId(config.name, connection, email.toLowerCase())),
    extensions,
    allowedLogoutUrls: config.allowed_logout_urls,
    sessionLifetime: Math.round(config.session_lifetime * 3600),
    idleSessionLifetime: Math.round(config.idle_session_lifetime * 3600),
    loginContinueAs: config.login_page.continue_as,
    bruteForce: config.attack_protection.brute_force_protection.enabled ? { maxAttempts: config.attack_protection.brute_force_protection.max_attempts } : undefined,
  };
}

/** Finds a user in one connection by email or username (case-insensitive, as Auth0's DB connections are). */
export function findUser(connection: Connection, login: string): User | undefined {
  const key = login.trim().toLowerCase();
  return connection.byEmail.get(key) ?? connection.byUsername.get(key);
}

/**
 * A user by user_id, or by email or username in one connection (default: every connection, the Default
 * Directory first): how tests name users (minting, starting a session).
 */
export function lookupUser(tenant: Tenant, login: string, connection: string | undefined): User | undefined {
  const byId = tenant.usersById.get(login);
  if (byId) return byId;
  const order = connection ? [connection] : [tenant.defaultDirectory, ...tenant.connections.keys()].filter((c): c is string => !!c);
  for (const name of order) {
    const c = tenant.connections.get(name);
    const user = c && findUser(c, login);
    if (user) return user;
  }
  return undefined;
}
