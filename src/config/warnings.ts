/**
 * What is valid but cannot work as meant: reported by `check` (with file and line) without failing it.
 * A client can never complete a browser login when /authorize could only refuse it: an interactive client
 * allowed the code or implicit grant with no Allowed Callback URLs to return to, or callbacks with neither
 * grant (Auth0 answers such a login with an error: "Callback URL mismatch", or `unauthorized_client`).
 */
import { DEFAULT_GRANTS } from '../model/tenant.js';
import type { ConfigIssue } from './cross-check.js';
import type { Config } from './schema.js';

const BROWSER_GRANTS = ['authorization_code', 'implicit'];

export function configWarnings(config: Config): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  config.tenants.forEach((tenant, t) => {
    tenant.clients.forEach((client, c) => {
      const at = (key: string) => ['tenants', t, 'clients', c, key];
      const grants = client.grant_types ?? DEFAULT_GRANTS[client.app_type];
      const browser = BROWSER_GRANTS.filter((g) => grants.includes(g));
      const whose = client.grant_types ? 'its grant_types' : `the default grant_types of app_type ${client.app_type}`;
      if (client.app_type !== 'non_interactive' && browser.length > 0 && client.callbacks.length === 0) {
        warnings.push({
          path: at('client_id'),
          message: `this client can never complete a browser login: ${whose} allow ${browser.join(' and ')}, but it has no \`callbacks\` (Allowed Callback URLs) for /authorize to return to`,
        });
      }
      if (client.callbacks.length > 0 && browser.length === 0) {
        warnings.push({
          path: at(client.grant_types ? 'grant_types' : 'callbacks'),
          message: `this client can never complete a browser login: it has \`callbacks\`, but ${whose} allow neither authorization_code nor implicit`,
        });
      }
    });
  });
  return warnings;
}
