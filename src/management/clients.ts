/**
 * /api/v2/clients: the list, and one client created, read, changed or deleted, in Auth0's shapes. Clients live in the
 * directory's runtime changes (as the control plane's addClient does): a new client gets tokens at once, the
 * changes outlive config reloads and reset() undoes them; a client of the config file can be changed or
 * deleted the same way (the change is laid over it).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Client } from '../model/tenant.js';
import type { ClientPatch } from '../runtime/runtime-changes.js';
import type { ManagementBackend } from './endpoints.js';
import { ManagementError } from './errors.js';
import { booleanParam, checkpointAnswer, offsetAnswer, wantsCheckpoint, type Query } from './paging.js';

/**
 * A client as the Management API answers it. The secret only where the caller may see it: on create, and with
 * `read:client_keys` (Auth0's rule); the lists never show it.
 */
export function presentClient(c: Client, tenant: string, withSecret = false) {
  return {
    tenant,
    client_id: c.clientId,
    name: c.name,
    ...(c.description === undefined ? {} : { description: c.description }),
    app_type: c.appType,
    is_first_party: true,
    oidc_conformant: true,
    token_endpoint_auth_method: c.authMethod,
    grant_types: [...c.grantTypes],
    callbacks: [...c.callbacks],
    allowed_logout_urls: [...c.allowedLogoutUrls],
    web_origins: [...c.webOrigins],
    allowed_origins: [...c.allowedOrigins],
    client_metadata: c.metadata,
    jwt_configuration: { lifetime_in_seconds: c.idTokenLifetime, alg: c.idTokenAlg, secret_encoded: false },
    refresh_token: {
      rotation_type: c.refreshRotation ? 'rotating' : 'non-rotating',
      expiration_type: c.refreshLifetime === undefined ? 'non-expiring' : 'expiring',
      token_lifetime: c.refreshLifetime ?? 2_592_000,
    },
    ...(withSecret && c.clientSecret !== undefined ? { client_secret: c.clientSecret } : {}),
  };
}

// NOTE(emulator): Auth0 client settings the emulator does not model are accepted and not kept (a GET does not
// show them), so an SDK or a deploy tool sending them is not refused; anything else unknown is a 400.
const IGNORED = new Set([
  'logo_uri', 'oidc_conformant', 'is_first_party', 'sso', 'sso_disabled', 'cross_origin_authentication', 'cross_origin_auth',
  'cross_origin_loc', 'custom_login_page_on', 'custom_login_page', 'custom_login_page_preview', 'form_template',
  'initiate_login_uri', 'allowed_clients', 'organization_usage', 'organization_require_behavior', 'oidc_logout',
  'oidc_backchannel_logout', 'is_token_endpoint_ip_header_trusted', 'addons', 'mobile', 'native_social_login',
  'client_aliases', 'require_pushed_authorization_requests', 'compliance_level',
]);

function settings(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ManagementError(400, 'Payload validation error: the body must be a JSON object.', 'invalid_body');
  const fields = Object.fromEntries(Object.entries(value).filter(([k]) => !IGNORED.has(k)));
  if ('client_id' in fields) throw new ManagementError(400, "Payload validation error: 'Additional properties not allowed: client_id'.", 'invalid_body');
  return fields;
}

/**
 * GET /clients: filtered by `app_type` (a comma-separated list), `client_ids`, `is_global` (no client here is
 * Auth0's global client) and `is_first_party` (every client here is first party), cut to `fields`, then paged.
 */
export function listClients(backend: ManagementBackend, tenant: string, query: Query) {
  const t = backend.snapshot.tenants.get(tenant);
  const list = (name: string) => (query[name] ? new Set(query[name]!.split(',').map((s) => s.trim())) : undefined);
  const appTypes = list('app_type');
  const ids = list('client_ids');
  const isGlobal = booleanParam(query, 'is_global');
  const firstParty = booleanParam(query, 'is_first_party');
  const fields = list('fields');
  const includeFields = booleanParam(query, 'include_fields') ?? true;
  const clients = [...(t?.clients.values() ?? [])]
    .filter((c) => (!appTypes || appTypes.has(c.appType)) && (!ids || ids.has(c.clientId)) && isGlobal !== true && firstParty !== false)
    // NOTE(emulator): secrets are never listed (Auth0 needs read:client_keys for them).
    .map((c) => presentClient(c, tenant));
  const present = (c: object) => (fields ? Object.fromEntries(Object.entries(c).filter(([k]) => fields.has(k) === includeFields)) : c);
  if (wantsCheckpoint(query)) return checkpointAnswer('clients', clients, (c) => c.client_id, query, present);
  return offsetAnswer('clients', clients, query, present);
}

/** 32 letters and digits, as Auth0's client ids. */
function newClientId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 32 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/** 64 characters of base64url, as Auth0's client secrets. */
const newClientSecret = () => randomBytes(48).toString('base64url');

function requireClient(backend: ManagementBackend, tenant: string, id: string): Client {
  const client = backend.snapshot.tenants.get(tenant)?.clients.get(id);
  if (!client) throw new ManagementError(404, 'The client does not exist', 'inexistent_client');
  return client;
}

/**
 * POST /clients: `name` is required; a confidential client (not `none` at the token endpoint) gets a
 * generated secret.
 * NOTE(emulator): Auth0 generates a secret for every client, public ones too; here a public client has none,
 * as in the config. A `client_secret` in the body is kept (not confirmed that Auth0 accepts one on create).
 */
export function createClient(backend: ManagementBackend, tenant: string, input: unknown) {
  const fields = settings(input);
  if (fields.name === undefined) throw new ManagementError(400, "Payload validation error: 'Missing required property: name'.", 'invalid_body');
  const appType = fields.app_type ?? 'regular_web';
  const method = fields.token_endpoint_auth_method ?? (appType === 'spa' || appType === 'native' ? 'none' : 'client_secret_post');
  const secret = fields.client_secret === undefined && method !== 'none' ? { client_secret: newClientSecret() } : {};
  const { client_id } = backend.addClient({ ...fields, ...secret, client_id: newClientId(), tenant });
  return presentClient(requireClient(backend, tenant, client_id), tenant, true);
}

export function getClient(backend: ManagementBackend, tenant: string, id: string, withSecret: boolean) {
  return presentClient(requireClient(backend, tenant, id), tenant, withSecret);
}

/** Whether a PATCH changes the client's keys (`update:client_keys` needed, as in Auth0). */
export const changesKeys = (input: unknown) => input !== null && typeof input === 'object' && 'client_secret' in input;

export function updateClient(backend: ManagementBackend, tenant: string, id: string, input: unknown, withSecret: boolean) {
  const patch = settings(input);
  requireClient(backend, tenant, id);
  return presentClient(backend.updateClient(id, patch as ClientPatch, { tenant }), tenant, withSecret);
}

export function deleteClient(backend: ManagementBackend, tenant: string, id: string): void {
  requireClient(backend, tenant, id);
  backend.removeClient(id, { tenant });
}
