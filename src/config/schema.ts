/**
 * The schema of auth.config.yaml: the single source of truth for validation (and, later, the JSON Schema
 * editors use). Field names are Auth0's own Management API names, so a tenant maps one to one.
 * Objects are strict: an unknown key is an error, because a typo silently ignored is the worst outcome.
 */
import { z } from 'zod';

export const GRANT_TYPES = [
  'authorization_code',
  'implicit',
  'refresh_token',
  'client_credentials',
  'password',
  'http://auth0.com/oauth/grant-type/password-realm',
  'http://auth0.com/oauth/grant-type/mfa-oob',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code',
  'http://auth0.com/oauth/grant-type/passwordless/otp',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:openid:params:grant-type:ciba',
] as const;

/** Path segments a tenant may not be named after, because they are endpoints at the root. */
export const RESERVED_TENANT_NAMES = ['oauth', 'userinfo', 'api', 'authorize', 'v2', 'oidc', 'mfa', 'dbconnections', 'passwordless', 'co', 'login', 'logout', 'continue', 'u'];

const nonEmpty = z.string().min(1, 'expected a non-empty string');
const stringList = z.array(nonEmpty);

/**
 * A free-form map (metadata, configuration, secrets). zod's records drop a `__proto__` key without a word,
 * and a JavaScript object cannot hold one as an ordinary key anyway: it is refused, at its line.
 */
const map = <V extends z.ZodType>(value: V) =>
  z.preprocess((input, ctx) => {
    if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) {
      ctx.issues.push({ code: 'custom', path: ['__proto__'], message: '"__proto__" cannot be a key here (JavaScript objects cannot keep it)', input });
    }
    return input;
  }, z.record(z.string(), value));

// Auth0's Management API keeps API scopes as [{value, description}]; a plain string is accepted too.
const apiScope = z.union([nonEmpty, z.strictObject({ value: nonEmpty, description: z.string().optional() })]);

export const apiSchema = z.strictObject({
  identifier: nonEmpty.describe('The API identifier: the `audience` clients ask for.'),
  name: nonEmpty.optional(),
  scopes: z.array(apiScope).default([]).describe('The scopes this API defines.'),
  allow_offline_access: z.boolean().default(false).describe('Issue refresh tokens when `offline_access` is requested.'),
  token_lifetime: z.int().min(1).max(2_592_000).default(86_400).describe('Access token lifetime in seconds.'),
  signing_alg: z.enum(['RS256', 'HS256']).default('RS256'),
  signing_secret: z.string().min(16, 'expected at least 16 characters').optional().describe('The HMAC secret of an HS256 API.'),
  enforce_policies: z.boolean().default(false).describe("RBAC (Auth0's Enable RBAC): a user's tokens get only the requested scopes the user has as permissions."),
  token_dialect: z
    .enum(['access_token', 'access_token_authz'])
    .default('access_token')
    .describe("`access_token_authz` (Auth0's Add Permissions in the Access Token) adds the user's `permissions` to access tokens; needs `enforce_policies`."),
});

/**
 * A permission: Auth0's `{resource_server_identifier, permission_name}`, or the short form
 * `"<API identifier> <permission>"` (split at the last space: permission names, being scopes, have none).
 */
export const permissionSchema = z.union([
  z.string().regex(/^\S.*\s+\S+$/, 'expected "<API identifier> <permission>" or {resource_server_identifier, permission_name}'),
  z.strictObject({ resource_server_identifier: nonEmpty, permission_name: nonEmpty }),
]);

export const roleSchema = z.strictObject({
  name: nonEmpty,
  description: z.string().optional(),
  permissions: z.array(permissionSchema).default([]).describe('What the role grants: "<API identifier> <permission>" or {resource_server_identifier, permission_name}.'),
});

export const clientSchema = z.strictObject({
  client_id: nonEmpty,
  client_secret: nonEmpty.optional().describe('Required unless token_endpoint_auth_method is `none`.'),
  name: nonEmpty.optional(),
  description: z.string().optional(),
  app_type: z.enum(['native', 'spa', 'regular_web', 'non_interactive']).default('regular_web'),
  token_endpoint_auth_method: z
    .enum(['none', 'client_secret_post', 'client_secret_basic'])
    .optional()
    .describe('How the client authenticates at /oauth/token. Default: `none` for spa/native, else `client_secret_post`.'),
  grant_types: z.array(z.enum(GRANT_TYPES)).optional().describe("The grants this client may use. Default: Auth0's defaults for the app_type."),
  // Auth0 keeps client_metadata as string → string (max 10 keys of 255 chars); values must be strings.
  client_metadata: map(z.string()).default({}),
  jwt_configuration: z
    .strictObject({
      lifetime_in_seconds: z.int().min(1).max(2_592_000).default(36_000),
      alg: z.enum(['RS256', 'HS256']).default('RS256'),
    })
    .default({ lifetime_in_seconds: 36_000, alg: 'RS256' }),
  refresh_token: z
    .strictObject({
      rotation_type: z.enum(['rotating', 'non-rotating']).default('non-rotating'),
      expiration_type: z.enum(['expiring', 'non-expiring']).default('non-expiring'),
      token_lifetime: z.int().min(1).default(2_592_000),
    })
    .default({ rotation_type: 'non-rotating', expiration_type: 'non-expiring', token_lifetime: 2_592_000 }),
  callbacks: stringList.default([]).describe('Allowed Callback URLs: where /authorize may send the browser back to (exact match; `*` as the left-most subdomain label).'),
  allowed_logout_urls: stringList.default([]).describe('Allowed Logout URLs: where /v2/logout and /oidc/logout may send the browser (`returnTo`).'),
  web_origins: stringList.default([]).describe('Allowed Web Origins: origins that may use silent authentication (response_mode=web_message) and call /oauth/token from a browser.'),
  allowed_origins: stringList.default([]).describe('Allowed Origins (CORS): more origins that may call /oauth/token from a browser.'),
});

export const clientGrantSchema = z.strictObject({
  client_id: nonEmpty,
  audience: nonEmpty.describe('The identifier of an API of this tenant.'),
  scope: stringList.default([]).describe('The scopes client credentials may get for this API.'),
});

const metadata = map(z.unknown());
/** One frozen `{}` for every user without metadata (100,000 users: 200,000 empty objects otherwise). */
const NO_METADATA: Record<string, unknown> = Object.freeze({});

const userFields = {
  user_id: nonEmpty.regex(/^\S+$/, 'expected a user_id without white space (auth0|…)').optional(),
  email: z.email(),
  username: nonEmpty.optional(),
  password: nonEmpty.optional(),
  password_hash: z.string().regex(/^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/, 'expected a bcrypt hash ($2b$10$…)').optional(),
  email_verified: z.boolean().default(false),
  blocked: z.boolean().default(false),
  name: nonEmpty.optional(),
  given_name: nonEmpty.optional(),
  family_name: nonEmpty.optional(),
  nickname: nonEmpty.optional(),
  picture: z.url().optional(),
  phone_number: nonEmpty.optional(),
  phone_verified: z.boolean().optional(),
  user_metadata: metadata.default(() => NO_METADATA),
  app_metadata: metadata.default(() => NO_METADATA),
  created_at: z.iso.datetime().optional(),
  updated_at: z.iso.datetime().optional(),
};

const passwordChecks = <S extends z.ZodType<{ password?: string | undefined; password_hash?: string | undefined }>>(schema: S) =>
  schema
    .refine((u) => u.password !== undefined || u.password_hash !== undefined, {
      message: 'expected `password` or `password_hash`',
      path: ['password'],
    })
    .refine((u) => !(u.password !== undefined && u.password_hash !== undefined), {
      message: 'give either `password` or `password_hash`, not both',
      path: ['password_hash'],
    });

/** A user as the Management API and the control plane create one. */
export const userSchema = passwordChecks(z.strictObject(userFields));

/** A user in the config file: also its roles and direct permissions (Auth0 assigns them by separate calls). */
export const configUserSchema = passwordChecks(
  z.strictObject({
    ...userFields,
    roles: stringList.optional().describe("The user's roles, by name (tenant `roles`)."),
    permissions: z.array(permissionSchema).optional().describe('Permissions given to the user directly, besides those of its roles.'),
  }),
);

/** A connection's users; in YAML the list may live in another file (`users: ./users.yaml`), read by the loader. */
export const usersList = z.array(configUserSchema).default([]).describe('The users of this connection, or the path of a YAML file that holds the list.');

export const connectionSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'expected letters, digits and inner hyphens (an Auth0 connection name)'),
  strategy: z.literal('auth0').default('auth0'),
  enabled_clients: stringList.optional(),
  users: usersList,
});

const filePath = z.string().min(1, 'expected a file path (relative to the config file)');
const fileList = z.union([filePath, z.array(filePath)]).transform((v) => (typeof v === 'string' ? [v] : v));

export const tenantSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'expected lowercase letters, digits and inner hyphens (it becomes a URL segment)')
    .refine((n) => !RESERVED_TENANT_NAMES.includes(n), { message: 'this name is reserved for an endpoint path' }),
  default: z.boolean().default(false).describe('Also serve this tenant at the root URL (automatic when there is one tenant).'),
  friendly_name: z.string().optional(),
  issuer: z.url({ protocol: /^https?$/ }).optional().describe('A fixed issuer URL (proxies, docker-compose). Default: the URL the tenant is reached at.'),
  default_directory: nonEmpty.optional().describe('The connection used by grant_type=password.'),
  default_audience: nonEmpty.optional().describe('The API used when a token request has no audience.'),
  signing_key: nonEmpty.optional().describe('An RSA private key (PEM) to sign with, relative to this file. Default: one generated and kept in .auth-emulator/.'),
  apis: z.array(apiSchema).default([]),
  roles: z.array(roleSchema).default([]).describe("Roles (Auth0's RBAC): named sets of API permissions, given to users by `roles`."),
  clients: z.array(clientSchema).default([]),
  client_grants: z.array(clientGrantSchema).default([]),
  connections: z.array(connectionSchema).default([]),
  allowed_logout_urls: stringList.default([]).describe("The tenant's Allowed Logout URLs: `returnTo` of a /v2/logout without client_id."),
  session_lifetime: z.number().min(1).max(8_760).default(168).describe('Hours a login session lasts at most (Auth0: 168, 7 days).'),
  idle_session_lifetime: z.number().min(1).max(8_760).default(72).describe('Hours a login session lasts without use (Auth0: 72, 3 days).'),
  login_page: z
    .strictObject({
      continue_as: z.boolean().default(true).describe('List the directory\'s users as one-click "Continue as" buttons (not in Auth0: for local development).'),
    })
    .default({ continue_as: true })
    .describe('The login page (/u/login).'),
  attack_protection: z
    .strictObject({
      brute_force_protection: z
        .strictObject({
          enabled: z.boolean().default(true).describe('Block a user from an IP after consecutive wrong passwords (Auth0: on).'),
          max_attempts: z.number().int().min(1).max(100).default(10).describe('Consecutive wrong passwords that block (Auth0: 10).'),
        })
        .default({ enabled: true, max_attempts: 10 })
        .describe("Auth0's brute-force protection (GET /api/v2/attack-protection/brute-force-protection), mode count_per_identifier_and_ip."),
    })
    .default({ brute_force_protection: { enabled: true, max_attempts: 10 } })
    .describe("The tenant's attack protection."),
  /** Classic rules: one file or a list, run in order on the password, password-realm and refresh grants. */
  rules: fileList.default([]),
  /** The rules' `configuration` object (Auth0's Rules settings): string values. */
  rules_configuration: map(z.string()).default({}),
  /** Webtask-style hooks, one per extensibility point. */
  hooks: z
    .strictObject({
      'credentials-exchange': filePath.optional(),
      'password-exchange': filePath.optional(),
    })
    .default({}),
  /** Actions, in order, per trigger. */
  actions: z
    .strictObject({
      'post-login': fileList.default([]),
      'credentials-exchange': fileList.default([]),
    })
    .default({ 'post-login': [], 'credentials-exchange': [] }),
  /** `context.webtask.secrets` for hooks and `event.secrets` for Actions. */
  secrets: map(z.string()).default({}),
  /** How long one run of extension code may take, in milliseconds (Auth0 allows 20 s). */
  extension_timeout_ms: z.int().min(50).max(60_000).default(5_000),
  /**
   * How much memory (resident set, MB) one extension worker process may use; half of it is the JavaScript
   * heap's limit. A run that goes over fails, and the worker is replaced.
   */
  extension_memory_mb: z.int().min(128).max(16_384).default(512),
});

export const configSchema = z.strictObject({
  tenants: z.array(tenantSchema).min(1, 'expected at least one tenant'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type TenantConfig = z.output<typeof tenantSchema>;
export type ClientConfig = z.output<typeof clientSchema>;
export type ApiConfig = z.output<typeof apiSchema>;
export type UserConfig = z.output<typeof userSchema>;
export type ConfigUser = z.output<typeof configUserSchema>;
export type PermissionConfig = z.output<typeof permissionSchema>;
export type RoleConfig = z.output<typeof roleSchema>;
export type ConnectionConfig = z.output<typeof connectionSchema>;
