/**
 * The emulator: wiring and lifecycle. It builds the parts (the directory of users and clients, the state
 * store, keys, the extension sandbox, the request listener), starts them (create, listen) and stops them
 * (close), and hands reloads to the reloader. The work is done in the folders it wires: see
 * docs/architecture.md. The CLI is a thin shell over this; tests drive `callback()` with supertest.
 */
import type { RequestListener } from 'node:http';
import { dirname, join } from 'node:path';
import { DEMO_CONFIG_FILE } from './config/demo.js';
import { memoryLimits, readConfig, Reloader, watchedFiles, type ReloadEvent } from './config/reloader.js';
import { ConfigWatcher } from './config/watch.js';
import type { EmulatorOptions, TenantInfo } from './emulator-options.js';
import type { TenantEnv } from './endpoints/token.js';
import { Sandbox, type ExtensionLogEntry } from './extensions/sandbox.js';
import { mintTokens, MintError, type MintOptions } from './grants/mint.js';
import type { TokenResponse } from './grants/types.js';
import { createHandler } from './http/app.js';
import { isControlPath } from './http/control-path.js';
import type { RequestLogEntry } from './http/request-log.js';
import { urlFor } from './http/routes.js';
import { buildSnapshot, issuerAt, type Snapshot } from './model/snapshot.js';
import type { Tenant } from './model/tenant.js';
import type { Auth0User } from './model/user-profile.js';
import { Clock } from './runtime/clock.js';
import { Directory } from './runtime/directory.js';
import { Journal, type JournalEntry } from './runtime/journal.js';
import { SessionError, startSession, type StartSessionOptions, type StartedSession } from './runtime/start-session.js';
import { UserState } from './runtime/user-state.js';
import { UserinfoClaims } from './runtime/userinfo-claims.js';
import { DEFAULT_HOST, hostForUrl, type SlowClientTimeouts } from './server/listen.js';
import { Listeners } from './server/listeners.js';
import { MemoryStore } from './store/memory-store.js';
import { repositoriesOn, type Repositories } from './store/repositories.js';
import type { StateLock } from './store/state-lock.js';
import type { Store } from './store/store.js';
import { KeyStore, type TenantKey } from './tokens/key-store.js';

export type { EmulatorOptions, TenantInfo } from './emulator-options.js';
export type { ReloadEvent } from './config/reloader.js';
export { PortInUseError, type SlowClientTimeouts } from './server/listen.js';

interface State {
  store: Store;
  repositories: Repositories;
  lock?: StateLock;
}

export class Emulator {
  readonly #keyStore: KeyStore;
  readonly #state: State;
  readonly #clock: Clock;
  /** Signing keys by tenant name (effective tenants are rebuilt on every runtime change). */
  readonly #keys = new Map<string, TenantKey>();
  readonly #journal = new Journal();
  readonly #users = new UserState();
  readonly #userinfoClaims = new UserinfoClaims();
  readonly #directory: Directory;
  readonly #reloader: Reloader;
  readonly #logListeners = new Set<(entry: ExtensionLogEntry) => void>();
  readonly #sandbox: Sandbox;
  readonly #handler: RequestListener;
  /** The host asked for; undefined: the loopback (127.0.0.1 and ::1). */
  readonly #host: string | undefined;
  readonly #baseUrl: string | undefined;
  readonly #listeners: Listeners;
  readonly #stateDir: string | undefined;
  /** Set by #start, before the first request. */
  #cookieKeys: string[] = [];
  #watcher: ConfigWatcher | undefined;

  private constructor(snapshot: Snapshot, keyStore: KeyStore, state: State, clock: Clock, options: EmulatorOptions, stateDir: string | undefined) {
    this.#keyStore = keyStore;
    this.#stateDir = stateDir;
    this.#listeners = new Listeners(options.https ? options.httpsPort : undefined);
    this.#state = state;
    this.#clock = clock;
    this.#host = options.host;
    this.#baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.#directory = new Directory(snapshot, { clock, users: this.#users, userinfoClaims: this.#userinfoClaims, refreshTokens: state.repositories.refreshTokens, sessions: state.repositories.sessions, authorizationCodes: state.repositories.authorizationCodes, loginFailures: state.repositories.loginFailures });
    this.#reloader = new Reloader({
      source: options.config,
      current: () => this.#directory.config,
      serve: (next) => this.#serve(next),
      watcher: () => this.#watcher,
      onReload: options.onReload ?? (() => {}),
    });
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
    this.#handler = createHandler({
      snapshot: () => this.#directory.snapshot,
      env: (tenant, issuer) => this.#env(tenant, issuer),
      fallbackHost: () => (this.url ? new URL(this.url).host : 'localhost'),
      log,
      onUnexpected: options.onError ?? (() => {}),
      management: this.#directory,
      control: this,
      cookieKeys: () => this.#cookieKeys,
    }, { fastLane: options.fastLane !== false });
  }

  static async create(options: EmulatorOptions = {}): Promise<Emulator> {
    const { loaded, file } = await readConfig(options.config);
    const stateDir = options.stateDir === false ? undefined : options.stateDir ?? (file && file !== DEMO_CONFIG_FILE ? join(dirname(file), '.auth-emulator') : undefined);
    const clock = new Clock(options.clock);
    const now = () => clock.now();
    // The file store's code loads only for a state folder.
    const state = stateDir ? await (await import('./store/state-folder.js')).openStateFolder(stateDir, now) : memoryState(now);
    const emulator = new Emulator(buildSnapshot(loaded, file), new KeyStore(stateDir), state, clock, options, stateDir);
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
    const snapshot = this.#directory.config;
    // A worker process boots while the keys load (or are generated).
    this.#sandbox.warm(memoryLimits(snapshot));
    [this.#cookieKeys] = await Promise.all([this.#state.repositories.sessions.cookieKeys(), this.#loadKeys(snapshot)]);
    if (options.https) await this.#listeners.useHttps(options.https, () => this.#certificateNames(this.#directory.config), options.onError ?? (() => {}));
    if (options.watch && snapshot.configFile) {
      this.#watcher = new ConfigWatcher(() => void this.reload());
      await this.#watcher.watchFiles(watchedFiles(snapshot));
    }
    if (options.port !== undefined) await this.listen(options.port);
  }

  /** A reloaded config, its keys loaded: it serves from now on, under the runtime changes. */
  async #serve(next: Snapshot): Promise<void> {
    await Promise.all([this.#loadKeys(next), this.#listeners.renew(this.#certificateNames(next))]);
    this.#directory.configure(next);
    this.#sandbox.warm(memoryLimits(next));
  }

  /** The emulator's time: freeze, set and advance it; tokens and expiry checks follow it. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The snapshot served: the config with the runtime changes laid over it (replaced whole, never mutated). */
  get snapshot(): Snapshot {
    return this.#directory.snapshot;
  }

  /** The base URL, once listening (https://… when https replaces http). */
  get url(): string | undefined {
    return this.#listeners.url;
  }

  /** With `https`, once listening: the https base URL (`url`, or the one on `httpsPort`). */
  get httpsUrl(): string | undefined {
    return this.#listeners.httpsUrl;
  }

  /** With `https: true`: the local certificate authority's certificate file, the one clients trust. */
  get caFile(): string | undefined {
    return this.#listeners.caFile;
  }

  /** Each tenant's issuer and endpoint URLs (path form, or the root for the root tenant). */
  get tenants(): Readonly<Record<string, TenantInfo>> {
    const base = this.url ?? this.#baseUrl ?? `http://${hostForUrl(this.#host ?? DEFAULT_HOST)}:4400`;
    const snapshot = this.snapshot;
    const out: Record<string, TenantInfo> = {};
    for (const tenant of snapshot.tenants.values()) {
      const issuer = issuerAt(snapshot, tenant, base);
      out[tenant.name] = { name: tenant.name, issuer, tokenUrl: urlFor(issuer, 'token'), jwksUri: urlFor(issuer, 'jwks'), discoveryUrl: urlFor(issuer, 'openid-configuration') };
    }
    return out;
  }

  // Runtime changes (runtime/directory.ts): users, clients and grants, by user_id, email or username. They
  // outlive config reloads and are undone by reset(). `tenant` may be left out where the config has one.
  /** Adds a user to a connection (default: the tenant's Default Directory), returned as Auth0's API does. */
  readonly addUser: Directory['addUser'] = (input) => this.#directory.addUser(input);
  /** Changes a user's attributes; metadata merges at the root level and `null` removes a key. */
  readonly updateUser: Directory['updateUser'] = (user, patch, options) => this.#directory.updateUser(user, patch, options);
  readonly blockUser = (user: string, options: { tenant?: string } = {}): Auth0User => this.updateUser(user, { blocked: true }, options);
  readonly unblockUser = (user: string, options: { tenant?: string } = {}): Auth0User => this.updateUser(user, { blocked: false }, options);
  /** Deletes a user as Auth0 does: their refresh tokens are revoked for good (resolves once that is saved). */
  readonly removeUser: Directory['removeUser'] = (user, options) => this.#directory.removeUser(user, options);
  /** A user by user_id, email or username, as Auth0's API returns it. */
  readonly getUser: Directory['getUser'] = (user, options) => this.#directory.getUser(user, options);
  readonly listUsers: Directory['listUsers'] = (options) => this.#directory.listUsers(options);

  /** Brute-force blocks (a user from an IP, after consecutive wrong passwords): of one tenant, or of every tenant. */
  readonly userBlocks: Directory['userBlocks'] = (options) => this.#directory.userBlocks(options);
  /** Lifts a user's brute-force blocks; resolves with how many there were, or undefined when there is no such user. */
  readonly liftUserBlocks: Directory['liftUserBlocks'] = (user, options) => this.#directory.liftUserBlocks(user, options);
  /** Adds a client (Auth0's client fields, as in the config). */
  readonly addClient: Directory['addClient'] = (input) => this.#directory.addClient(input);
  /** Lets a client get client-credentials tokens for an API, with these scopes. */
  readonly addClientGrant: Directory['addClientGrant'] = (input) => this.#directory.addClientGrant(input);
  readonly removeClientGrant: Directory['removeClientGrant'] = (input) => this.#directory.removeClientGrant(input);

  /**
   * Back to the loaded config: runtime users, clients and grants, metadata changes, refresh tokens, the
   * journal, the clock, sessions and codes are reset (at once; the promise resolves when the revoked refresh tokens are out
   * of the state folder). Signing keys stay.
   */
  async reset(): Promise<void> {
    this.#directory.reset();
    const cleared = this.#state.store.clear();
    this.#journal.clear();
    this.#clock.reset();
    this.#state.repositories.sessions.cleared();
    this.#state.repositories.loginFailures.cleared();
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
    return mintTokens(this.#envFor(options, MintError), options);
  }

  /** An access token (see mint). */
  async accessToken(options: MintOptions): Promise<string> {
    return (await this.mint(options)).access_token;
  }

  /** An ID token for a user (see mint); `openid` is added to the scopes. */
  async idToken(options: MintOptions & { user: string }): Promise<string> {
    const scope = typeof options.scope === 'string' ? options.scope : (options.scope ?? []).join(' ');
    const response = await this.mint({ ...options, scope: /openid/.test(scope) ? scope : `openid ${scope}`.trim() });
    return response.id_token!;
  }

  /** A login session for a user, as the login page makes: its id and the cookies for a browser (runtime/start-session.ts). */
  async startSession(options: StartSessionOptions): Promise<StartedSession> {
    return startSession(this.#envFor(options, SessionError), this.#cookieKeys, options);
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
   * (::1) too, on the same port (server/listen.ts); `url` names 127.0.0.1. `timeouts` is for tests.
   */
  async listen(port = 4400, host?: string, timeouts: SlowClientTimeouts = {}): Promise<string> {
    if (this.#listeners.listening) throw new Error('The emulator is already listening');
    const url = await this.#listeners.listen(this.callback(), port, host ?? this.#host, timeouts);
    // A `token` command on the same state folder mints through this URL.
    await this.#state.lock?.publish(url);
    return url;
  }

  /**
   * Reads the config again and swaps in the new snapshot whole: a request that started on the old one
   * finishes on it. Keys, refresh tokens and runtime user state are kept. A broken config changes nothing.
   * A user gone from the file keeps their refresh tokens (refused meanwhile as for a deleted user, valid
   * again if the user comes back): an edit is not a delete, and a bad edit is often reverted.
   */
  reload(): Promise<ReloadEvent> {
    return this.#reloader.reload();
  }

  async close(): Promise<void> {
    await this.#watcher?.close();
    this.#watcher = undefined;
    await this.#listeners.close();
    try {
      await Promise.all([this.#sandbox.close(), this.#state.store.close()]);
    } finally {
      await this.#state.lock?.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The env of the tenant a programmatic call names, at its issuer (default: the tenant's at this emulator's URL). */
  #envFor(options: { tenant?: string; issuer?: string }, Refusal: new (message: string) => Error): TenantEnv {
    const name = this.#directory.tenantName(options.tenant);
    const tenant = this.snapshot.tenants.get(name);
    if (!tenant) throw new Refusal(`No tenant named "${name}".`);
    const issuer = options.issuer === undefined ? this.tenants[name]!.issuer : options.issuer.endsWith('/') ? options.issuer : `${options.issuer}/`;
    return this.#env(tenant, issuer);
  }

  #env(tenant: Tenant, issuer: string): TenantEnv {
    const key = this.#keys.get(tenant.name);
    if (!key) throw new Error(`no signing key loaded for tenant ${tenant.name}`);
    return {
      tenant,
      currentTenant: () => this.snapshot.tenants.get(tenant.name),
      issuer,
      key,
      ...this.#state.repositories,
      extensions: { sandbox: this.#sandbox, users: this.#users, userinfoClaims: this.#userinfoClaims },
      now: () => Math.floor(this.#clock.now() / 1000),
    };
  }

  /** What the served certificate must name: the tenants' `<tenant>.localhost`, the host; the state folder keeps it. */
  #certificateNames(snapshot: Snapshot) {
    return { tenants: snapshot.tenants.keys(), host: this.#host, stateDir: this.#stateDir };
  }

  async #loadKeys(snapshot: Snapshot): Promise<void> {
    await Promise.all(
      [...snapshot.tenants.values()].map(async (tenant) => {
        this.#keys.set(tenant.name, await this.#keyStore.forTenant(tenant.name, tenant.signingKeyFile));
      }),
    );
  }
}

function memoryState(now: () => number): State {
  const store = new MemoryStore(now);
  return { store, repositories: repositoriesOn(store) };
}

/** Creates an emulator (and starts listening when `port` is given). */
export function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return Emulator.create(options);
}
