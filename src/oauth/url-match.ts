/**
 * Where a client may send the browser and who may call it from a browser, matched as Auth0 matches its
 * application settings (browser flows reference §1.4, §6):
 * - Allowed Callback URLs: the whole string, exactly (scheme, host, port, path, query, trailing slash).
 * - Allowed Logout URLs: `/v2/logout` ignores the `returnTo`'s query and fragment, and compares scheme and host
 *   without case; `/oidc/logout` compares the query too.
 * - Allowed Web Origins and Allowed Origins (CORS): the origin only.
 * In every list, `*` may stand for the left-most label of the host, with a prefix or suffix
 * (`https://*.example.com`, `https://pr-*-app.example.com`), and matches exactly one label, on http(s) only.
 */
import type { Client } from '../model/tenant.js';

interface Parsed {
  readonly scheme: string;
  readonly host: string;
  readonly port: string;
  /** Path, query and fragment as written. */
  readonly rest: string;
}

const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#:]*)(?::(\d+))?([/?#].*)?$/s;

/** A URL split as written (a pattern's `*` survives; `new URL` would refuse or encode it). */
function split(url: string): Parsed | undefined {
  const m = URL_SHAPE.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const defaultPort = scheme === 'https' ? '443' : scheme === 'http' ? '80' : '';
  return { scheme, host: m[2]!.toLowerCase(), port: m[3] === undefined || m[3] === defaultPort ? '' : m[3], rest: m[4] ?? '' };
}

/** A pattern's host against a host: exact, or with `*` in the left-most label standing for one label. */
function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.includes('*')) return pattern === host;
  const [first, ...others] = pattern.split('.');
  const [label, ...rest] = host.split('.');
  if (others.join('.') !== rest.join('.') || others.length < 2 || first!.split('*').length !== 2 || others.some((l) => l.includes('*'))) return false;
  const [prefix, suffix] = first!.split('*') as [string, string];
  return label!.length >= prefix.length + suffix.length + 1 && label!.startsWith(prefix) && label!.endsWith(suffix) && /^[a-z0-9-]+$/.test(label!);
}

function matches(pattern: string, url: string, compare: 'whole' | 'no-query' | 'origin'): boolean {
  if (pattern === url) return true;
  const p = split(pattern);
  const u = split(url);
  if (!p || !u) return false;
  // Wildcards only on http(s); a custom scheme (com.example.app://callback) matches only as written.
  if (p.host.includes('*') && p.scheme !== 'http' && p.scheme !== 'https') return false;
  if (p.scheme !== u.scheme || p.port !== u.port || !hostMatches(p.host, u.host)) return false;
  if (compare === 'origin') return p.rest === '' || p.rest === '/';
  const strip = (rest: string) => (compare === 'no-query' ? rest.replace(/[?#].*$/s, '') : rest);
  // A bare origin and the same origin with `/` are one URL.
  return (strip(p.rest) || '/') === (strip(u.rest) || '/');
}

/** Whether a redirect_uri is among the client's Allowed Callback URLs. */
export function callbackAllowed(client: Client, redirectUri: string): boolean {
  return client.callbacks.some((pattern) => matches(pattern, redirectUri, 'whole'));
}

/** Whether a logout's return URL is in a list of Allowed Logout URLs (`/v2/logout` ignores its query). */
export function logoutUrlAllowed(list: readonly string[], url: string, compare: 'v2' | 'oidc'): boolean {
  return list.some((pattern) => matches(pattern, url, compare === 'v2' ? 'no-query' : 'whole'));
}

/** The origin of a URL (`http://localhost:3000`), or undefined when it has none. */
export function originOf(url: string): string | undefined {
  const u = split(url);
  if (!u || (u.scheme !== 'http' && u.scheme !== 'https')) return undefined;
  return `${u.scheme}://${u.host}${u.port === '' ? '' : `:${u.port}`}`;
}

/** Whether an origin is among the client's Allowed Web Origins (silent authentication, web_message). */
export function webOriginAllowed(client: Client, origin: string): boolean {
  return client.webOrigins.some((pattern) => matches(pattern, origin, 'origin'));
}

/**
 * Whether a browser at this origin may call /oauth/token or /oauth/revoke for the client: Allowed Web
 * Origins, Allowed Origins (CORS), and the origins of Allowed Callback URLs (Auth0's "set up CORS").
 */
export function corsOriginAllowed(client: Client, origin: string): boolean {
  return (
    webOriginAllowed(client, origin) ||
    client.allowedOrigins.some((pattern) => matches(pattern, origin, 'origin')) ||
    client.callbacks.some((pattern) => matches(pattern.replace(/^([^:]+:\/\/[^/?#]*).*$/s, '$1'), origin, 'origin'))
  );
}
