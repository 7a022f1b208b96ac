/**
 * Which claims extension code may set (reference §5.5). Today's rule: any name but the restricted ones,
 * and no namespace on Auth0's own hosts. Webtask hooks follow the older rule: only namespaced URL keys.
 * A refused claim is dropped and reported, never an error.
 */
const RESTRICTED = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'nonce', 'auth_time', 'at_hash', 'c_hash', 'acr', 'amr',
  'sub_jwk', 'cnf', 'sid', 'org_id', 'org_name', 'gty', 'scope', 'permissions', 'client_id', 'act', 'may_act',
]);
const AUTH0_HOSTS = /(^|\.)(auth0\.com|webtask\.io|webtask\.run)$/i;

function namespaceHost(key: string): string | undefined {
  if (!/^https?:\/\//i.test(key)) return undefined;
  try {
    return new URL(key).hostname;
  } catch {
    return undefined;
  }
}

/**
 * NOTE(emulator): Auth0 does not document `__proto__` as a claim name. It is refused: in the emulator it would
 * set the prototype of the draft token, and in a JavaScript client that copies claims (`Object.assign`) it
 * would set the prototype of the copy. Names such as `constructor` or `toString` are ordinary claims.
 */
const PROTO = '__proto__';

/** Why a claim set by a rule or an Action is refused, or undefined when it is allowed. */
export function refusedClaim(key: string): string | undefined {
  if (key === PROTO) return "a name that sets an object's prototype in JavaScript";
  if (RESTRICTED.has(key)) return 'a restricted claim';
  if (key.startsWith('urn:auth0')) return 'a reserved namespace';
  const host = namespaceHost(key);
  if (host !== undefined && AUTH0_HOSTS.test(host)) return 'an Auth0 namespace';
  return undefined;
}

/** Why a claim returned by a webtask hook is refused (hooks keep only namespaced URL keys). */
export function refusedHookClaim(key: string): string | undefined {
  const host = namespaceHost(key);
  if (host === undefined) return 'not a namespaced URL';
  if (AUTH0_HOSTS.test(host)) return 'an Auth0 namespace';
  return undefined;
}

/** Accepts a scope override given as an array (Auth0's form) or a space-separated string. */
export function scopeList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return [...new Set(value.filter((s): s is string => typeof s === 'string' && s !== ''))];
  if (typeof value === 'string') return [...new Set(value.split(/\s+/).filter(Boolean))];
  return undefined;
}
