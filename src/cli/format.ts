/**
 * What the CLI prints: the start banner and the request log lines. Pure functions of their inputs,
 * so they are tested without starting a process.
 */
import type { ExtensionLogEntry } from '../extensions/sandbox.js';
import type { RequestLogEntry } from '../http/request-log.js';
import type { Snapshot } from '../model/snapshot.js';
import type { TenantInfo } from '../emulator.js';

export function formatLogLine(entry: RequestLogEntry, format: 'text' | 'json'): string {
  if (format === 'json') return JSON.stringify({ time: new Date().toISOString(), ...entry });
  // The text line leaves the id out: extension output for a request is printed just before it.
  const parts = [entry.method, entry.path, entry.tenant ?? '-', entry.grant ?? '-', entry.client ?? '-', String(entry.status), `${entry.ms}ms`];
  if (entry.error) parts.push(entry.detail ? `${entry.error} (${entry.detail})` : entry.error);
  return parts.join(' ');
}

/** A line of extension output: `[dev rules.js 1a2b3c4d] text`, the level named unless it is `log`. */
export function formatExtensionLine(entry: ExtensionLogEntry, format: 'text' | 'json'): string {
  if (format === 'json') return JSON.stringify({ event: 'extension', ...entry });
  const source = entry.level === 'explain' ? 'explain' : entry.file;
  const level = entry.level === 'log' || entry.level === 'explain' ? '' : `${entry.level}: `;
  return `[${entry.tenant} ${source}${entry.requestId ? ` ${entry.requestId}` : ''}] ${level}${entry.text}`;
}

/** What `logs` prints when the emulator dropped lines because this follower fell behind. */
export function formatDroppedLine(dropped: number, format: 'text' | 'json'): string {
  if (format === 'json') return JSON.stringify({ event: 'dropped', dropped });
  return `[auth-emulator] ${dropped} log line${dropped === 1 ? '' : 's'} dropped: this follower fell behind`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A ready-to-paste password grant for the first tenant that can run one. Secrets and passwords are shown
 * only for the built-in demo; for a user's own config they are placeholders.
 */
function curlExample(snapshot: Snapshot, infos: Readonly<Record<string, TenantInfo>>, showSecrets: boolean, caFile: string | undefined): string | undefined {
  for (const tenant of snapshot.tenants.values()) {
    const connection = tenant.defaultDirectory === undefined ? undefined : tenant.connections.get(tenant.defaultDirectory);
    const user = connection?.users[0];
    const clients = [...tenant.clients.values()].filter((c) => c.grantTypes.has('password'));
    const client = clients.find((c) => c.authMethod === 'client_secret_post') ?? clients.find((c) => c.authMethod === 'none');
    if (!user || !client) continue;
    const api = tenant.defaultAudience ?? [...tenant.apis.keys()][0];
    const body: Record<string, string> = {
      grant_type: 'password',
      username: user.email,
      password: (showSecrets && plainPassword(snapshot, tenant.name, user.email)) || '<password>',
      ...(api ? { audience: api } : {}),
      scope: 'openid profile email offline_access',
      client_id: client.clientId,
    };
    if (client.authMethod === 'client_secret_post') body.client_secret = showSecrets ? (client.clientSecret ?? '') : '<client_secret>';
    return `curl -s ${caFile ? `--cacert ${shellQuote(caFile)} ` : ''}${infos[tenant.name]!.tokenUrl} -H 'content-type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
  }
  return undefined;
}

/**
 * The login page, ready to paste in a browser: /authorize for the first client that can complete a browser
 * login (a single-page app first), returning to its first callback.
 */
function loginPageUrl(snapshot: Snapshot, infos: Readonly<Record<string, TenantInfo>>): { url: string; client: string; callback: string } | undefined {
  for (const tenant of snapshot.tenants.values()) {
    const clients = [...tenant.clients.values()].filter((c) => c.grantTypes.has('authorization_code') && c.callbacks[0] !== undefined && !c.callbacks[0].includes('*'));
    const client = clients.find((c) => c.appType === 'spa') ?? clients[0];
    if (!client) continue;
    const callback = client.callbacks[0]!;
    const query = new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: callback, scope: 'openid profile email' });
    // At localhost, as the callbacks are: 127.0.0.1 and localhost are different sites to a browser (cookies).
    const issuer = infos[tenant.name]!.issuer.replace(/^(https?):\/\/127\.0\.0\.1:/, '$1://localhost:');
    return { url: `${issuer}authorize?${query.toString().replace(/\+/g, '%20')}`, client: client.clientId, callback };
  }
  return undefined;
}

function plainPassword(snapshot: Snapshot, tenantName: string, email: string): string | undefined {
  const tenant = snapshot.config.tenants.find((t) => t.name === tenantName);
  return tenant?.connections.flatMap((c) => c.users).find((u) => u.email.toLowerCase() === email)?.password;
}

/**
 * The https listener, how to trust it and, for SDKs that take a bare `domain` (they build `https://{domain}/`
 * and expect that issuer), the domain of each tenant: the root tenant at localhost, the others at
 * `<tenant>.localhost`.
 */
function httpsLines(snapshot: Snapshot, httpsUrl: string, caFile: string | undefined): string[] {
  const { port } = new URL(httpsUrl);
  const lines = [`HTTPS on https://localhost:${port} (${caFile ? 'certificate from the local CA' : 'your own certificate'})`];
  if (caFile) lines.push(`  trust   NODE_EXTRA_CA_CERTS=${caFile}  (other runtimes, the system, a browser: auth-emulator ca)`);
  lines.push('  SDKs that take a domain (auth0, @auth0/auth0-auth-js):');
  for (const tenant of snapshot.tenants.values()) {
    const host = snapshot.rootTenant?.name === tenant.name ? `localhost:${port}` : `${tenant.name}.localhost:${port}`;
    lines.push(`  tenant ${tenant.name}  domain ${host}  issuer ${tenant.issuer ?? `https://${host}/`}`);
  }
  return lines;
}

export function formatBanner(options: {
  version: string;
  snapshot: Snapshot;
  tenants: Readonly<Record<string, TenantInfo>>;
  url: string;
  /** With https: its base URL, and the local CA's certificate file (undefined with the user's own certificate). */
  httpsUrl?: string | undefined;
  caFile?: string | undefined;
  configLabel: string;
  stateDir: string | undefined;
  demo: boolean;
}): string {
  const { snapshot, tenants, url } = options;
  const lines = [`auth-emulator ${options.version}: a local Auth0 look-alike`, `  config  ${options.configLabel}`];
  lines.push(`  state   ${options.stateDir ?? 'memory only (keys and refresh tokens are lost on exit)'}`, '');
  const { port, protocol } = new URL(url);
  for (const tenant of snapshot.tenants.values()) {
    const info = tenants[tenant.name]!;
    const also = [`${protocol}//localhost:${port}/${tenant.name}/`, `${protocol}//${tenant.name}.localhost:${port}/`].filter((u) => u !== info.issuer);
    lines.push(`tenant ${tenant.name}  issuer ${info.issuer}`, `  also at ${also.join('  ')}`);
    const clients = [...tenant.clients.values()].map((c) => `${c.clientId} (${c.appType}, ${c.authMethod})`);
    lines.push(`  clients ${clients.join(', ') || '(none)'}`);
    for (const connection of tenant.connections.values()) {
      const users = connection.users.slice(0, 5).map((u) => u.email);
      const more = connection.users.length > 5 ? ` and ${connection.users.length - 5} more` : '';
      lines.push(`  users   ${connection.name}: ${users.join(', ') || '(none)'}${more}`);
    }
    if (tenant.apis.size > 0) lines.push(`  apis    ${[...tenant.apis.keys()].join(', ')}`);
    lines.push('');
  }
  if (options.httpsUrl) lines.push(...httpsLines(snapshot, options.httpsUrl, options.caFile), '');
  const curl = curlExample(snapshot, tenants, options.demo, protocol === 'https:' ? options.caFile : undefined);
  if (curl) lines.push('Try a password grant:', `  ${curl}`, '');
  const login = loginPageUrl(snapshot, tenants);
  if (login) lines.push(`Open the login page in a browser (as ${login.client}; it returns to ${login.callback}):`, `  ${login.url}`, '');
  lines.push(`Ready on ${url} (Ctrl-C to stop)`);
  return lines.join('\n');
}
