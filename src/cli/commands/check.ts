/**
 * `auth-emulator check`: validates the config (and the key files it names) and exits 0 or 1. What is valid but
 * cannot work as meant (config/warnings.ts) is printed on stderr as warnings, and does not fail it.
 */
import { formatProblem, loadConfigFile } from '../../config/load.js';
import { buildSnapshot } from '../../model/snapshot.js';
import { KeyStore } from '../../tokens/key-store.js';
import { failIfKnown } from '../known-errors.js';
import { configFile, type Values } from '../args.js';

export async function run(values: Values): Promise<void> {
  const { file, builtIn } = configFile(values.config);
  try {
    const loaded = await loadConfigFile(file);
    const { config } = loaded;
    const snapshot = buildSnapshot(loaded, file);
    const keys = new KeyStore(undefined);
    for (const tenant of snapshot.tenants.values()) {
      if (tenant.signingKeyFile) await keys.forTenant(tenant.name, tenant.signingKeyFile);
    }
    const count = (f: (t: (typeof config.tenants)[number]) => number) => config.tenants.reduce((n, t) => n + f(t), 0);
    const users = count((t) => t.connections.reduce((n, c) => n + c.users.length, 0));
    console.log(
      `${builtIn ? 'built-in demo config' : file} is valid: ${config.tenants.length} tenant(s), ${count((t) => t.clients.length)} client(s), ${count((t) => t.apis.length)} API(s), ${users} user(s).`,
    );
    for (const warning of loaded.warnings) console.error(`Warning: ${formatProblem(file, warning)}`);
  } catch (err) {
    failIfKnown(err);
    throw err;
  }
}
