/**
 * Reloading: the config read again and swapped in whole, one reload at a time (a change during a reload
 * triggers one more), with what changed summarised for the log. A broken config changes nothing: the last
 * good one keeps serving. Also the config source, and what a snapshot makes the emulator watch and warm.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSnapshot, type Snapshot } from '../model/snapshot.js';
import type { Tenant } from '../model/tenant.js';
import { DEMO_CONFIG_FILE } from './demo.js';
import { describeChanges } from './describe-changes.js';
import { loadConfigFile, loadConfigObject, type LoadedConfig } from './load.js';
import type { ConfigInput } from './schema.js';
import type { ConfigWatcher } from './watch.js';

/** A config file's path, a config object, or undefined for the built-in demo. */
export type ConfigSource = string | ConfigInput | undefined;

/** The outcome of a reload. On failure the previous snapshot keeps serving. */
export type ReloadEvent =
  | { ok: true; summary: string; ms: number }
  | { ok: false; error: Error; missing?: boolean };

export async function readConfig(source: ConfigSource): Promise<{ loaded: LoadedConfig; file: string | undefined }> {
  if (source === undefined) return { loaded: await loadConfigFile(DEMO_CONFIG_FILE), file: DEMO_CONFIG_FILE };
  if (typeof source === 'string') {
    const file = resolve(source);
    return { loaded: await loadConfigFile(file), file };
  }
  return { loaded: await loadConfigObject(source, process.cwd()), file: undefined };
}

export interface ReloaderDeps {
  readonly source: ConfigSource;
  /** The config snapshot now serving. */
  current(): Snapshot;
  /** Makes a new snapshot the one serving (its keys loaded first: a key file that cannot be read refuses it). */
  serve(next: Snapshot): Promise<void>;
  readonly watcher: () => ConfigWatcher | undefined;
  readonly onReload: (event: ReloadEvent) => void;
}

export class Reloader {
  readonly #deps: ReloaderDeps;
  /** Config users without timestamps get this one, on every reload, so their claims do not shift. */
  readonly #loadedAt: string;
  #reloading: Promise<ReloadEvent> | undefined;
  #again = false;

  constructor(deps: ReloaderDeps) {
    this.#deps = deps;
    this.#loadedAt = deps.current().loadedAt;
  }

  reload(): Promise<ReloadEvent> {
    if (this.#reloading) {
      this.#again = true;
      return this.#reloading;
    }
    this.#reloading = this.#once().finally(() => {
      this.#reloading = undefined;
      if (this.#again) {
        this.#again = false;
        void this.reload();
      }
    });
    return this.#reloading;
  }

  async #once(): Promise<ReloadEvent> {
    const started = performance.now();
    const watcher = this.#deps.watcher();
    watcher?.stampFiles();
    const previous = this.#deps.current();
    let event: ReloadEvent;
    try {
      if (previous.configFile && !existsSync(previous.configFile)) {
        event = { ok: false, missing: true, error: new Error(`${previous.configFile} was deleted; the last good config keeps serving until it is back.`) };
      } else {
        const { loaded, file } = await readConfig(this.#deps.source);
        const next = buildSnapshot(loaded, file, this.#loadedAt);
        await this.#deps.serve(next);
        const ms = Math.round(performance.now() - started);
        const changedCode = new Set([...next.tenants.values()].filter((t) => extensionHashes(t) !== extensionHashes(previous.tenants.get(t.name))).map((t) => t.name));
        // The new config serves from here on; the summary (a diff of every entity) waits a turn of the loop.
        await new Promise((r) => setImmediate(r));
        event = { ok: true, summary: describeChanges(previous.config, next.config, changedCode), ms };
      }
    } catch (err) {
      event = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
    // Follow files the config names now (a new rule file), even when this version was refused.
    await watcher?.watchFiles([...watchedFiles(this.#deps.current()), ...(previous.configFile ? [previous.configFile] : [])]);
    this.#deps.onReload(event);
    return event;
  }
}

function extensionScripts(tenant: Tenant) {
  const e = tenant.extensions;
  return [...e.rules, ...e.postLoginActions, ...e.credentialsExchangeActions, ...(e.credentialsExchangeHook ? [e.credentialsExchangeHook] : []), ...(e.passwordExchangeHook ? [e.passwordExchangeHook] : [])];
}

function extensionHashes(tenant: Tenant | undefined): string {
  if (!tenant) return '';
  return extensionScripts(tenant)
    .map((s) => `${s.file}:${s.hash}`)
    .join('\n');
}

/** The config file and every file it names. */
export function watchedFiles(snapshot: Snapshot): string[] {
  const files = snapshot.configFile ? [snapshot.configFile, ...snapshot.includedFiles] : [];
  for (const tenant of snapshot.tenants.values()) {
    files.push(...extensionScripts(tenant).map((s) => s.file));
    if (tenant.signingKeyFile) files.push(tenant.signingKeyFile);
  }
  return files;
}

/** The memory limits of the tenants that run extension code: a worker for each is started ahead of use. */
export function memoryLimits(snapshot: Snapshot): number[] {
  return [...snapshot.tenants.values()].filter((t) => extensionScripts(t).length > 0).map((t) => t.extensions.memoryMb);
}
