/**
 * A snapshot is everything the config says, built once and never mutated. The emulator swaps whole
 * snapshots; a request reads the one that was current when it started.
 */
import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { buildTenant, type Tenant } from './tenant.js';

export interface Snapshot {
  /** The validated, frozen config this snapshot was built from. */
  readonly config: Config;
  readonly tenants: ReadonlyMap<string, Tenant>;
  /** The tenant served at the root: the only one, or the one marked `default: true`. */
  readonly rootTenant: Tenant | undefined;
  /** The config file the snapshot came from, if any (paths in it are relative to its folder). */
  readonly configFile: string | undefined;
  /** Files the config includes (user lists). */
  readonly includedFiles: readonly string[];
  /** The time config users without `created_at` were created (the first load). */
  readonly loadedAt: string;
}

export function buildSnapshot(loaded: LoadedConfig, configFile: string | undefined, loadedAt = new Date().toISOString()): Snapshot {
  const { config } = loaded;
  const base = configFile ? dirname(configFile) : process.cwd();
  const tenants = new Map(config.tenants.map((t) => [t.name, buildTenant(t, loaded.extensions.get(t.name)!, loadedAt, (p) => resolve(base, p))]));
  const all = [...tenants.values()];
  const rootTenant = all.find((t) => t.isDefault) ?? (all.length === 1 ? all[0] : undefined);
  return { config, tenants, rootTenant, configFile, includedFiles: loaded.includedFiles, loadedAt };
}

/**
 * A tenant's issuer when it is reached at `base` (e.g. http://127.0.0.1:4400) in the form the emulator names it
 * by: its fixed `issuer`, else the root for the root tenant, else the path form.
 */
export function issuerAt(snapshot: Snapshot, tenant: Tenant, base: string): string {
  return tenant.issuer ?? (tenant === snapshot.rootTenant ? `${base}/` : `${base}/${tenant.name}/`);
}
