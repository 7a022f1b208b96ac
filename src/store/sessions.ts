/**
 * Login sessions (kind `Session`): what the `auth0` cookie of a tenant names. A session is made when a user
 * logs in on the login page (or a test starts one, the control plane), lets later /authorize requests of any
 * of the tenant's clients through without a login (single sign-on), and ends at logout, at its absolute
 * lifetime (the tenant's `session_lifetime`), after `idle_session_lifetime` without use, or when its user is
 * deleted (it is in the user's group, like the user's refresh tokens).
 *
 * The cookie carries only the id, signed (koa's keygrip) with keys kept in the store too (kind `Secret`), so
 * that a state folder's sessions outlive a restart along with the keys that sign their cookies.
 */
import { randomId } from './random-id.js';
import type { Store } from './store.js';

export interface SessionRecord {
  readonly tenant: string;
  readonly userId: string;
  /** The connection the user logged in with. */
  readonly connection: string;
  /** Epoch seconds: when the user last authenticated (the ID token's `auth_time`). */
  readonly authTime: number;
  /** Epoch seconds: the absolute end. */
  readonly expiresAt: number;
  /** Epoch seconds: last used by /authorize (idle expiry runs from here). */
  readonly lastUsedAt: number;
  /** The clients that were given tokens in this session (a logout's `sid` is theirs). */
  readonly clients: readonly string[];
}

const KIND = 'Session';
const SECRET_KIND = 'Secret';
const COOKIE_KEYS = 'session-cookie-keys';
const userGroup = (tenant: string, userId: string) => `user:${tenant}/${userId}`;

export interface SessionLifetimes {
  /** Seconds, absolute. */
  readonly absolute: number;
  /** Seconds without use. */
  readonly idle: number;
}

export class Sessions {
  readonly #store: Store;
  #keys: string[] = [];
  /** The cookie keys are not in the store yet. */
  #unsaved = false;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Starts a session; resolves with its id (the `sid`) once it is durable. */
  async start(record: Omit<SessionRecord, 'expiresAt' | 'lastUsedAt' | 'clients'> & { clients?: readonly string[] }, now: number, lifetimes: SessionLifetimes): Promise<string> {
    const id = randomId(24);
    const full: SessionRecord = { clients: [], ...record, expiresAt: now + lifetimes.absolute, lastUsedAt: now };
    const keys = this.#unsaved ? this.#store.set(SECRET_KIND, COOKIE_KEYS, this.#keys) : undefined;
    this.#unsaved = false;
    await Promise.all([keys, this.#put(id, full, lifetimes)]);
    return id;
  }

  /** The session, or undefined when it has ended (logout, expiry, idle, its user deleted) or never was. */
  async find(id: string, now: number, lifetimes: SessionLifetimes): Promise<SessionRecord | undefined> {
    const entry = await this.#store.get<SessionRecord>(KIND, id);
    if (entry === undefined) return undefined;
    if (now >= entry.value.lastUsedAt + lifetimes.idle) return undefined;
    return entry.value;
  }

  /**
   * Marks the session used now by a client (idle expiry starts again; the client joins its list), or
   * renews its authentication (a new login in the same browser). Never brings back a session ended meanwhile.
   */
  async touch(id: string, record: SessionRecord, change: { clientId?: string; authTime?: number }, now: number, lifetimes: SessionLifetimes): Promise<SessionRecord> {
    const clients = change.clientId === undefined || record.clients.includes(change.clientId) ? record.clients : [...record.clients, change.clientId];
    const next: SessionRecord = { ...record, clients, authTime: change.authTime ?? record.authTime, lastUsedAt: now };
    await this.#put(id, next, lifetimes, true);
    return next;
  }

  /** Ends a session; resolves (true when it was there) once that is durable. */
  end(id: string): Promise<boolean> {
    return this.#store.delete(KIND, id);
  }

  /** Ends every session of a user (deleted); resolves once that is durable. */
  async endUser(tenant: string, userId: string): Promise<void> {
    const entries = await this.#store.list(userGroup(tenant, userId));
    await Promise.all(entries.filter((e) => e.kind === KIND).map((e) => this.#store.delete(KIND, e.id)));
  }

  /**
   * The keys that sign session cookies (koa's `app.keys`): the store's, or new ones, written to the store
   * with the first session (an emulator that never serves a login writes nothing).
   */
  async cookieKeys(): Promise<string[]> {
    const entry = await this.#store.get<string[]>(SECRET_KIND, COOKIE_KEYS);
    if (entry !== undefined) return (this.#keys = entry.value);
    this.#unsaved = true;
    return (this.#keys = [randomId()]);
  }

  /** The store was cleared (a reset): the keys in use go back in with the next session. */
  cleared(): void {
    this.#unsaved = true;
  }

  #put(id: string, record: SessionRecord, lifetimes: SessionLifetimes, ifPresent = false): Promise<void> {
    // Kept until the earlier of the absolute end and the idle end; find() checks the idle end against the clock.
    const expiresAt = Math.min(record.expiresAt, record.lastUsedAt + lifetimes.idle);
    return this.#store.set(KIND, id, record, { expiresAt, groups: [userGroup(record.tenant, record.userId)], ifPresent });
  }
}
