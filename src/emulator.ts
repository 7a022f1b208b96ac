/**
 * The emulator: owns the config snapshot, the runtime state (keys, the state store) and the koa app.
 * The CLI is a thin shell over this; tests drive `callback()` with supertest and no port.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { DEMO_CONFIG_FILE } from './config/demo.js';
import { loadConfigFile, loadConfigObject, type LoadedConfig } from './config/load.js';
import { EmulatorError } from './errors.js';
import { describeChanges } from './config/describe-changes.js';
import { ConfigWatcher } from './config/watch.js';
import type { ConfigInput } from './config/schema.js';
import type { TenantEnv } from './endpoints/token.js';
import { createHandler } from './http/app.js';
import type { RequestLogEntry } from './http/request-log.js';
import { isControlPath } from './http/control-path.js';
import { urlFor } from './http/routes.js';
import { buildSnapshot, issuerAt, type Snapshot } from './model/snapshot.js';
import type { Tenant } from './model/tenant.js';
import { Sandbox, type ExtensionLogEntry } from './extensions/sandbox.js';
import { MemoryStore } from './store/memory-store.js';
import { RefreshTokens } from './store/refresh-tokens.js';
import type { StateLock } from './store/state-lock.js';
import type { Store } from './store/store.js';
import { Clock } from './state/clock.js';
import { mintTokens, MintError, type MintOptions } from './grants/mint.js';
import type { TokenResponse } from './grants/types.js';
import { toAuth0User, type Auth0User } from './model/user-profile.js';
import { Journal, type JournalEntry } from './state/journal.js';
import { ChangeError, RuntimeChanges, type UserInput, type UserPatch } from './state/runtime-changes.js';
import type { ClientConfig } from './config/schema.js';
import { UserState } from './state/user-state.js';
import { UserinfoClaims } from './state/userinfo-claims.js';
import { KeyStore, type TenantKey } from './tokens/key-store.js';


export interface EmulatorOptions {
  /** A path to an auth.config.yaml, or a config object of the same shape. Default: the built-in demo. */
  config?: string | ConfigInput;
  /**
   * Where signing keys and refresh tokens are kept. Default: `.auth-emulator/` beside a config file; memory
   * only for a config object or the built-in demo. `false` forces memory only. One emulator at a time uses a
   * folder: another one there makes create() fail with a StateError naming it.
   */
  stateDir?: string | false;
  /** Listen on this port at once (0 picks a free one). Without it nothing listens until `listen()`. */
  port?: number;
  /** Interface to bind. Default: the loopback (127.0.0.1, and ::1 beside it): the emulator is for this machine only. */
  host?: string;
  /**
   * The base URL issuers are built from when there is no request to take it from (minted tokens, `tenants`)
   * and nothing listens yet. Default: the listening URL, else http://127.0.0.1:4400.
   */
  baseUrl?: string;
  /** Receives one entry per request. */
  log?: (entry: RequestLogEntry) => void;
  /** Receives what rules, hooks and Actions print (console.*) and the summary of what they changed. */
  extensionLog?: (entry: ExtensionLogEntry) => void;
  /** Receives unexpected errors (bugs): the client got a 500 without details. */
  onError?: (err: unknown) => void;
  /** Milliseconds since the epoch; tokens are stamped and checked with it. */
  clock?: () => number;
  /** Watch the config file and the files it names, and reload on every change (default false). */
  watch?: boolean;
  /** Hears about every reload: what changed, or why the last good config is still serving. */
  onReload?: (event: ReloadEvent) => void;
  /** @internal false sends every request through koa, bypassing the fast lane (for the lane's parity test). */
  fastLane?: boolean;
}

/** The outcome of a reload. On failure the previous snapshot keeps serving. */
export type ReloadEvent =
  | { ok: true; summary: string; ms: number }
  | { ok: false; error: Error; missing?: boolean };

export interface TenantInfo {
  readonly name: string;
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUri: string;
  readonly discoveryUrl: string;
}

export class PortInUseError extends EmulatorError {
  readonly port: number;
  readonly host: string;
  constructor(port: number, host: string) {
    super(`Port ${port} on ${host} is already in use.`);
    this.port = port;
    this.host = host;
  }
}

/** Slow-client timeouts (@internal: tests shorten them). */
export interface SlowClientTimeouts {
  /** The request's headers must arrive within this (default 10 s). */
  headersMs?: number;
  /** The whole request, body included, within this (default 30 s). */
  requestMs?: number;
}

/** The default host: the loopback, where the emulator also listens on ::1. */
const DEFAULT_HOST = '127.0.0.1';

export class Emulator {
  readonly #keyStore: KeyStore;
  readonly #store: Store;
  readonly #refreshTokens: RefreshTokens;
  /** The state folder's lock, when there is one. */
  readonly #lock: StateLock | undefined;
  readonly #clock: Clock;
  /** Signing keys by tenant name (effective tenants are rebuilt on every runtime change). */
  readonly #keys = new Map<string, TenantKey>();
  readonly #changes = new RuntimeChanges();
  readonly #journal = new Journal();
  readonly #users = new UserState();
  readonly #userinfoClaims = new UserinfoClaims();
  readonly #logListeners = new Set<(entry: ExtensionLogEntry) => void>();
  readonly #sandbox: Sandbox;
  readonly #handler: RequestListener;
  /** The host asked for; undefined: the loopback (127.0.0.1 and ::1). */
  readonly #host: string | undefined;
  readonly #baseUrl: string | undefined;
  /** What the config says. */
  #configSnapshot: Snapshot;
  /** What is served: the config snapshot with runtime changes laid over it. */
  #snapshot: Snapshot;
  /** 127.0.0.1 (or the host asked for), and ::1 beside it for the default host. */
  #servers: Server[] = [];
  #url: string | undefined;
  readonly #source: EmulatorOptions['config'];
  /** Config users without timestamps get this one, on every reload, so their claims do not shift. */
  readonly #loadedAt: string;
  readonly #onReload: (event: ReloadEvent) => void;
  #watcher: ConfigWatcher | undefined;
  /** Reloads run one at a time; a change during a reload triggers one more. */
  #reloading: Promise<ReloadEvent> | undefined;
  #reloadAgain = false;

  private constructor(snapshot: Snapshot, keyStore: KeyStore, state: { store: Store; refreshTokens: RefreshTokens; lock?: StateLock }, clock: Clock, options: EmulatorOptions) {
    this.#configSnapshot = snapshot;
    this.#snapshot = snapshot;
    this.#keyStore = keyStore;
    this.#store = state.store;
    this.#refreshTokens = state.refreshTokens;
    this.#lock = state.lock;
    this.#clock = clock;
    this.#host = options.host;
    this.#baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.#source = options.config;
    this.#loadedAt = snapshot.loadedAt;
    this.#onReload = options.onReload ?? (() => {});
    const userLog = options.log ?? (() => {});
    const log = (entry: RequestLogEntry) => {
      // The journal is about the app under test: control-plane calls are the test's own, left out.
      if (!isControlPath(entry.path)) this.#journal.record(entry, this.#clock.now());
      userLog(entry);
    };
    if (options.extensionLog) this.#logListeners.add(options.extensionLog);
    this.#sandbox = new Sandbox((entry) => {
      for (const listener of this.#logListeners) listener(entry);
    });
    const onError = options.onError ?? (() => {});
    this.#handler = createHandler({
      snapshot: () => this.#snapshot,
      env: (tenant, issuer) => this.#env(tenant, issuer),
      fallbackHost: () => (this.#url ? new URL(this.#url).host : 'localhost'),
      log,
      onUnexpected: onError,
      management: this,
      control: this,
    }, { fastLane: options.fastLane !== false });
  }

  static async create(options: EmulatorOptions = {}): Promise<Emulator> {
    const { loaded, file } = await readConfig(options.config);
    const stateDir = options.stateDir === false ? undefined : options.stateDir ?? (file && file !== DEMO_CONFIG_FILE ? join(dirname(file), '.auth-emulator') : undefined);
    const keyStore = new KeyStore(stateDir);
    const clock = new Clock(options.clock);
    const now = () => clock.now();
    // The file store's code loads only for a state folder.
    const state = stateDir ? await (await import('./store/state-folder.js')).openStateFolder(stateDir, now) : memoryState(now);
    const emulator = new Emulator(buildSnapshot(loaded, file), keyStore, state, clock, options);
    try {
      await emulator.#start(options);
    } catch (err) {
      // Whatever had started (the state file, a worker process, a watcher) must not keep the process alive.
      await emulator.close().catch(() => {});
      throw err;
    }
    return emulator;
  }

  /** What create() does once the state is open: keys, a first worker, the watcher, the port. */
  async #start(options: EmulatorOptions): Promise<void> {
    // A worker process boots while the keys load (or are generated).
    this.#sandbox.warm(memoryLimits(this.#snapshot));
    await this.#loadKeys(this.#snapshot);
    if (options.watch && this.#snapshot.configFile) {
      this.#watcher = new ConfigWatcher(() => void this.reload());
      await this.#watcher.watchFiles(watchedFiles(this.#snapshot));
    }
    if (options.port !== undefined) await this.listen(options.port);
  }

  /** The emulator's time: freeze, set and advance it; tokens and expiry checks follow it. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The current config snapshot (replaced whole on reload, never mutated). */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** The base URL, once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Each tenant's issuer and endpoint URLs (path form, or the root for the root tenant). */
  get tenants(): Readonly<Record<string, TenantInfo>> {
    const base = this.#url ?? this.#baseUrl ?? `http://${hostForUrl(this.#host ?? DEFAULT_HOST)}:4400`;
    const out: Record<string, TenantInfo> = {};
    for (const tenant of this.#snapshot.tenants.values()) {
      const issuer = issuerAt(this.#snapshot, tenant, base);
      out[tenant.name] = {
        name: tenant.name,
        issuer,
        tokenUrl: urlFor(issuer, 'token'),
        jwksUri: urlFor(issuer, 'jwks'),
        discoveryUrl: urlFor(issuer, 'openid-configuration'),
      };
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Runtime changes. They outlive config reloads and are undone by reset(). `tenant` may be left out when the
  // config has one tenant (or one marked default).

  #tenantName(tenant: string | undefined): string {
    if (tenant !== undefined) return tenant;
    const root = this.#snapshot.rootTenant;
    if (root) return root.name;
    throw new ChangeError(400, 'invalid_request', `Name the tenant: this config has several (${[...this.#snapshot.tenants.keys()].join(', ')}).`);
  }

  #changed(): void {
    this.#snapshot = this.#changes.apply(this.#configSnapshot);
  }

  /** Adds a user to a connection (default: the tenant's Default Directory). Returns it as Auth0's API does. */
  addUser(input: Omit<UserInput, 'connection'> & { connection?: string; tenant?: string }): Auth0User {
    const { tenant: t, connection, ...fields } = input;
    const tenant = this.#tenantName(t);
    if (!this.#snapshot.tenants.has(tenant)) throw new ChangeError(404, 'inexistent_tenant', `No tenant named "${tenant}".`);
    const conn = connection ?? this.#snapshot.tenants.get(tenant)?.defaultDirectory;
    if (conn === undefined) throw new ChangeError(400, 'invalid_request', `Name the connection: tenant ${tenant} has no default_directory.`);
    const user = this.#changes.addUser(this.#snapshot, tenant, { ...fields, connection: conn }, new Date(this.#clock.now()));
    this.#changed();
    return toAuth0User(user, this.#users);
  }

  /** The user_id of a user named by user_id, email or username (unknown names pass through unchanged). */
  #userId(idOrLogin: string, tenant: string | undefined): string {
    return this.getUser(idOrLogin, tenant === undefined ? {} : { tenant })?.user_id ?? idOrLogin;
  }

  /** Changes a user's attributes (user by user_id, email or username); metadata merges at the root level and `null` removes a key. */
  updateUser(user: string, patch: UserPatch, options: { tenant?: string } = {}): Auth0User {
    const userId = this.#userId(user, options.tenant);
    const updated = this.#changes.updateUser(this.#snapshot, this.#tenantName(options.tenant), userId, patch, new Date(this.#clock.now()));
    this.#changed();
    return toAuth0User(updated, this.#users);
  }

  blockUser(userId: string, options: { tenant?: string } = {}): Auth0User {
    return this.updateUser(userId, { blocked: true }, options);
  }

  unblockUser(userId: string, options: { tenant?: string } = {}): Auth0User {
    return this.updateUser(userId, { blocked: false }, options);
  }

  /**
   * Removes a user (by user_id, email or username), as Auth0's `DELETE /api/v2/users/{id}` does: their refresh
   * tokens are revoked for good, also if a user with the same email (and so the same user_id) is created
   * again (resolves once that is in the state folder), and what the emulator kept about them at runtime
   * (logins count, metadata set by Actions, /userinfo claims) is dropped, so such a user starts clean.
   * False when there was no such user.
   */
  async removeUser(user: string, options: { tenant?: string } = {}): Promise<boolean> {
    const tenant = this.#tenantName(options.tenant);
    const userId = this.#userId(user, options.tenant);
    if (!this.#changes.removeUser(this.#snapshot, tenant, userId)) return false;
    this.#changed();
    this.#users.forget(userId);
    this.#userinfoClaims.forgetUser(tenant, userId);
    await this.#refreshTokens.revokeUser(tenant, userId, Math.floor(this.#clock.now() / 1000));
    return true;
  }

  /** A user by user_id, email or username, as Auth0's API returns it. */
  getUser(idOrLogin: string, options: { tenant?: string } = {}): Auth0User | undefined {
    const tenant = this.#snapshot.tenants.get(this.#tenantName(options.tenant));
    if (!tenant) return undefined;
    const key = idOrLogin.toLowerCase();
    const user =
      tenant.usersById.get(idOrLogin) ??
      [...tenant.connections.values()].map((c) => c.byEmail.get(key) ?? c.byUsername.get(key)).find((u) => u !== undefined);
    return user && toAuth0User(user, this.#users);
  }

  listUsers(options: { tenant?: string; connection?: string } = {}): Auth0User[] {
    const name = this.#tenantName(options.tenant);
    const tenant = this.#snapshot.tenants.get(name);
    if (!tenant) throw new ChangeError(404, 'inexistent_tenant', `No tenant named "${name}".`);
    return [...tenant.connections.values()]
      .filter((c) => options.connection === undefined || c.name === options.connection)
      .flatMap((c) => c.users.map((u) => toAuth0User(u, this.#users)));
  }

  /** Adds a client (Auth0's client fields, as in the config). */
  addClient(input: Partial<ClientConfig> & { client_id: string; tenant?: string }): { client_id: string; name: string } {
    const { tenant, ...config } = input;
    const client = this.#changes.addClient(this.#snapshot, this.#tenantName(tenant), config);
    this.#changed();
    return { client_id: client.clientId, name: client.name };
  }

  /** Lets a client get client-credentials tokens for an API, with these scopes. */
  addClientGrant(input: { client_id: string; audience: string; scope?: string[]; tenant?: string }): { client_id: string; audience: string; scope: string[] } {
    const { tenant, ...grant } = input;
    const created = this.#changes.addClientGrant(this.#snapshot, this.#tenantName(tenant), grant);
    this.#changed();
    return created;
  }

  removeClientGrant(input: { client_id: string; audience: string; tenant?: string }): boolean {
    const removed = this.#changes.removeClientGrant(this.#snapshot, this.#tenantName(input.tenant), input.client_id, input.audience);
    if (removed) this.#changed();
    return removed;
  }

  /**
   * Back to the loaded config: runtime users, clients and grants, metadata changes, refresh tokens, the
   * journal and the clock are reset (at once; the promise resolves when the revoked refresh tokens are out
   * of the state folder). Signing keys stay.
   */
  async reset(): Promise<void> {
    this.#changes.reset();
    this.#users.reset();
    this.#userinfoClaims.clear();
    const cleared = this.#store.clear();
    this.#journal.clear();
    this.#clock.reset();
    this.#changed();
    await cleared;
  }

  /** Recent requests, oldest first: endpoint, grant, client, user and outcome. */
  get journal(): JournalEntry[] {
    return this.#journal.entries();
  }

  clearJournal(): void {
    this.#journal.clear();
  }

  /**
   * A full token response minted without a grant round-trip, through the same pipeline (scopes, rules,
   * hooks, Actions, keys). With `user`: as a password login; without: as client credentials.
   */
  async mint(options: MintOptions): Promise<TokenResponse> {
    const name = this.#tenantName(options.tenant);
    const tenant = this.#snapshot.tenants.get(name);
    if (!tenant) throw new MintError(`No tenant named "${name}".`);
    const issuer = options.issuer === undefined ? this.tenants[name]!.issuer : options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`;
    return mintTokens(this.#env(tenant, issuer), options);
  }

  /** An access token (see mint). */
  async accessToken(options: MintOptions): Promise<string> {
    return (await this.mint(options)).access_token;
  }

  /** An ID token for a user (see mint); `openid` is added to the scopes. */
  async idToken(options: MintOptions & { user: string }): Promise<string> {
    const scope = typeof options.scope === 'string' ? options.scope : (options.scope ?? []).join(' ');
    const response = await this.mint({ ...options, scope: /openid/.test(scope) ? scope : `openid ${scope}`.trim() });
    return response.id_token!;
  }

  /** Follows what extension code prints, live; returns the function that stops following. */
  onExtensionLog(listener: (entry: ExtensionLogEntry) => void): () => void {
    this.#logListeners.add(listener);
    return () => this.#logListeners.delete(listener);
  }

  /** A node:http request listener, for supertest or an existing server. */
  callback(): RequestListener {
    return this.#handler;
  }

  /**
   * Listens on `port` (0: a free one) and returns the base URL. With the default host, on the IPv6 loopback
   * (::1) too, on the same port, so `localhost` reaches the emulator whichever address a client tries first
   * (`curl -6`, Node's resolver); `url` names 127.0.0.1. A machine without IPv6 listens on 127.0.0.1 alone.
   * `timeouts` is for tests (short slow-client timeouts).
   */
  async listen(port = 4400, host?: string, timeouts: SlowClientTimeouts = {}): Promise<string> {
    if (this.#servers.length > 0) throw new Error('The emulator is already listening');
    const address = host ?? this.#host ?? DEFAULT_HOST;
    const headersTimeout = timeouts.headersMs ?? 10_000;
    const requestTimeout = timeouts.requestMs ?? 30_000;
    // A client that stops sending mid-request must not hold a socket forever. Node checks both deadlines every
    // connectionsCheckingInterval, 30 s by default (sockets closed at ~29 s and ~59 s): ten checks per headers
    // timeout make them fire within a tenth of it.
    const serve = () => createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(10, headersTimeout / 10) }, this.callback());
    const dualStack = host === undefined && this.#host === undefined;
    for (let attempt = 1; ; attempt++) {
      const servers = [serve()];
      await bind(servers[0]!, port, address);
      const bound = (servers[0]!.address() as AddressInfo).port;
      if (dualStack) {
        const ipv6 = serve();
        try {
          await bind(ipv6, bound, '::1');
          servers.push(ipv6);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // No IPv6 loopback on this machine: 127.0.0.1 alone.
          if (code !== 'EADDRNOTAVAIL' && code !== 'EAFNOSUPPORT') {
            await closeServers(servers);
            // The free port picked on 127.0.0.1 is another program's on ::1: pick another.
            if (port === 0 && err instanceof PortInUseError && attempt < 5) continue;
            // Another program on ::1 at this port would answer every client that tries ::1 first (`localhost`
            // in a browser, say): refuse to start rather than share `localhost` with it.
            throw err;
          }
        }
      }
      this.#servers = servers;
      this.#url = `http://${hostForUrl(address)}:${bound}`;
      // A `token` command on the same state folder mints through this URL.
      await this.#lock?.publish(this.#url);
      return this.#url;
    }
  }

  /**
   * Reads the config again and swaps in the new snapshot whole: a request that started on the old one
   * finishes on it. Keys, refresh tokens and runtime user state are kept. A broken config changes nothing.
   * A user gone from the file keeps their refresh tokens (refused meanwhile as for a deleted user, valid
   * again if the user comes back): an edit is not a delete, and a bad edit is often reverted.
   */
  reload(): Promise<ReloadEvent> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = this.#reloadOnce().finally(() => {
      this.#reloading = undefined;
      if (this.#reloadAgain) {
        this.#reloadAgain = false;
        void this.reload();
      }
    });
    return this.#reloading;
  }

  async #reloadOnce(): Promise<ReloadEvent> {
    const started = performance.now();
    this.#watcher?.stampFiles();
    const previous = this.#configSnapshot;
    let event: ReloadEvent;
    try {
      if (previous.configFile && !existsSync(previous.configFile)) {
        event = { ok: false, missing: true, error: new Error(`${previous.configFile} was deleted; the last good config keeps serving until it is back.`) };
      } else {
        const { loaded, file } = await readConfig(this.#source);
        const next = buildSnapshot(loaded, file, this.#loadedAt);
        await this.#loadKeys(next);
        const changedCode = new Set(
          [...next.tenants.values()].filter((t) => extensionHashes(t) !== (previous.tenants.get(t.name) ? extensionHashes(previous.tenants.get(t.name)!) : '')).map((t) => t.name),
        );
        this.#configSnapshot = next;
        this.#snapshot = this.#changes.apply(next);
        const ms = Math.round(performance.now() - started);
        this.#sandbox.warm(memoryLimits(next));
        // The new config serves from here on; the summary (a diff of every entity) waits a turn of the loop.
        await new Promise((r) => setImmediate(r));
        event = { ok: true, summary: describeChanges(previous.config, next.config, changedCode), ms };
      }
    } catch (err) {
      event = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
    // Follow files the config names now (a new rule file), even when this version was refused.
    await this.#watcher?.watchFiles([...watchedFiles(this.#configSnapshot), ...(previous.configFile ? [previous.configFile] : [])]);
    this.#onReload(event);
    return event;
  }

  async close(): Promise<void> {
    await this.#watcher?.close();
    this.#watcher = undefined;
    const servers = this.#servers;
    this.#servers = [];
    this.#url = undefined;
    await closeServers(servers);
    try {
      await Promise.all([this.#sandbox.close(), this.#store.close()]);
    } finally {
      await this.#lock?.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #env(tenant: Tenant, issuer: string): TenantEnv {
    const key = this.#keys.get(tenant.name);
    if (!key) throw new Error(`no signing key loaded for tenant ${tenant.name}`);
    return {
      tenant,
      currentTenant: () => this.#snapshot.tenants.get(tenant.name),
      issuer,
      key,
      refreshTokens: this.#refreshTokens,
      extensions: { sandbox: this.#sandbox, users: this.#users, userinfoClaims: this.#userinfoClaims },
      now: () => Math.floor(this.#clock.now() / 1000),
    };
  }

  async #loadKeys(snapshot: Snapshot): Promise<void> {
    await Promise.all(
      [...snapshot.tenants.values()].map(async (tenant) => {
        this.#keys.set(tenant.name, await this.#keyStore.forTenant(tenant.name, tenant.signingKeyFile));
      }),
    );
  }
}

function memoryState(now: () => number): { store: Store; refreshTokens: RefreshTokens } {
  const store = new MemoryStore(now);
  return { store, refreshTokens: new RefreshTokens(store) };
}

function extensionScripts(tenant: Tenant) {
  const e = tenant.extensions;
  return [...e.rules, ...e.postLoginActions, ...e.credentialsExchangeActions, ...(e.credentialsExchangeHook ? [e.credentialsExchangeHook] : []), ...(e.passwordExchangeHook ? [e.passwordExchangeHook] : [])];
}

function extensionHashes(tenant: Tenant): string {
  return extensionScripts(tenant)
    .map((s) => `${s.file}:${s.hash}`)
    .join('\n');
}

/** The config file and every file it names. */
function watchedFiles(snapshot: Snapshot): string[] {
  const files = snapshot.configFile ? [snapshot.configFile, ...snapshot.includedFiles] : [];
  for (const tenant of snapshot.tenants.values()) {
    files.push(...extensionScripts(tenant).map((s) => s.file));
    if (tenant.signingKeyFile) files.push(tenant.signingKeyFile);
  }
  return files;
}

function hasExtensions(tenant: Tenant): boolean {
  const e = tenant.extensions;
  return e.rules.length + e.postLoginActions.length + e.credentialsExchangeActions.length > 0 || !!e.credentialsExchangeHook || !!e.passwordExchangeHook;
}

/** The memory limits of the tenants that run extension code: a worker for each is started ahead of use. */
function memoryLimits(snapshot: Snapshot): number[] {
  return [...snapshot.tenants.values()].filter(hasExtensions).map((t) => t.extensions.memoryMb);
}

/** Binds one server; a busy port is a PortInUseError. */
function bind(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err));
    server.listen(port, host, () => resolveListen());
  });
}

function closeServers(servers: Server[]): Promise<unknown> {
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    ),
  );
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

async function readConfig(source: EmulatorOptions['config']): Promise<{ loaded: LoadedConfig; file: string | undefined }> {
  if (source === undefined) return { loaded: await loadConfigFile(DEMO_CONFIG_FILE), file: DEMO_CONFIG_FILE };
  if (typeof source === 'string') {
    const file = resolve(source);
    return { loaded: await loadConfigFile(file), file };
  }
  return { loaded: await loadConfigObject(source, process.cwd()), file: undefined };
}

/** Creates an emulator (and starts listening when `port` is given). */
export function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return Emulator.create(options);
}
