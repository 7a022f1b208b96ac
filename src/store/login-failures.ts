/**
 * Brute-force protection's counts (kind `LoginFailures`): consecutive wrong passwords for one user from one IP
 * (Auth0's mode `count_per_identifier_and_ip`). At the tenant's `max_attempts` the entry becomes a block: that
 * user is refused from that IP, even with the right password, until the block is lifted (the Management API's
 * user-blocks, the control plane, a reset). A successful login from the IP clears its count.
 *
 * The store keeps them (they survive reloads and, with a state folder, restarts); each tenant's entries are also
 * kept in memory, read from the store on the tenant's first use, so that a login of a user with no failures
 * reads nothing and concurrent failures count one by one.
 * NOTE(emulator): the in-memory table is per process: instances sharing one store do not see each other's
 * counts until they restart (the store's Redis future would read the entry instead).
 * NOTE(emulator): counts and blocks do not expire (Auth0 lifts a block when the user follows the emailed link,
 * an admin unblocks, or the password changes; the emulator sends no email).
 */
import type { Store } from './store.js';

export interface LoginFailureRecord {
  readonly tenant: string;
  readonly userId: string;
  readonly ip: string;
  readonly connection: string;
  /** The login the user typed (email or username), lowercased: Auth0's `identifier`. */
  readonly identifier: string;
  readonly count: number;
  readonly blocked: boolean;
}

/** A brute-force block as the control plane lists it. */
export interface UserBlock {
  readonly tenant: string;
  readonly user_id: string;
  readonly identifier: string;
  readonly ip: string;
  readonly connection: string;
}

const KIND = 'LoginFailures';
const tenantGroup = (tenant: string) => `login-failures:${tenant}`;
const userGroup = (tenant: string, userId: string) => `user:${tenant}/${userId}`;
const idOf = (tenant: string, userId: string, ip: string) => `${tenant}/${userId}/${ip}`;

type Table = Map<string, LoginFailureRecord>;

export class LoginFailures {
  readonly #store: Store;
  readonly #tables = new Map<string, Table>();
  readonly #loading = new Map<string, Promise<Table>>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** The block on this user from this IP, if there is one. */
  async blockOf(tenant: string, userId: string, ip: string): Promise<LoginFailureRecord | undefined> {
    const table = await this.#table(tenant);
    const record = table.get(idOf(tenant, userId, ip));
    return record?.blocked ? record : undefined;
  }

  /** Counts a wrong password; resolves, once durable, with true when this one made it a block. */
  async failed(attempt: Omit<LoginFailureRecord, 'count' | 'blocked'>, maxAttempts: number): Promise<boolean> {
    const table = await this.#table(attempt.tenant);
    const id = idOf(attempt.tenant, attempt.userId, attempt.ip);
    const count = (table.get(id)?.count ?? 0) + 1;
    const record: LoginFailureRecord = { ...attempt, count, blocked: count >= maxAttempts };
    table.set(id, record);
    await this.#store.set(KIND, id, record, { groups: [tenantGroup(attempt.tenant), userGroup(attempt.tenant, attempt.userId)] });
    return record.blocked;
  }

  /** A successful login: the count of this user from this IP starts again (nothing is read or written when there is none). */
  async succeeded(tenant: string, userId: string, ip: string): Promise<void> {
    const table = await this.#table(tenant);
    const id = idOf(tenant, userId, ip);
    if (!table.delete(id)) return;
    await this.#store.delete(KIND, id);
  }

  /** The tenant's blocks, of one user or of one identifier, or all. */
  async blocks(tenant: string, filter: { userId?: string; identifier?: string } = {}): Promise<LoginFailureRecord[]> {
    const table = await this.#table(tenant);
    const identifier = filter.identifier?.trim().toLowerCase();
    return [...table.values()].filter((r) => r.blocked && (filter.userId === undefined || r.userId === filter.userId) && (identifier === undefined || r.identifier === identifier));
  }

  /** Lifts the blocks (and clears the counts) of one user or one identifier; resolves with how many blocks there were, once durable. */
  async unblock(tenant: string, filter: { userId?: string; identifier?: string }): Promise<number> {
    const table = await this.#table(tenant);
    const identifier = filter.identifier?.trim().toLowerCase();
    const gone = [...table.entries()].filter(([, r]) => (filter.userId === undefined || r.userId === filter.userId) && (identifier === undefined || r.identifier === identifier));
    for (const [id] of gone) table.delete(id);
    await Promise.all(gone.map(([id]) => this.#store.delete(KIND, id)));
    return gone.filter(([, r]) => r.blocked).length;
  }

  /** The tenant's table: in memory once loaded (no store read on the password grant's path). */
  #table(tenant: string): Table | Promise<Table> {
    return this.#tables.get(tenant) ?? this.#load(tenant);
  }

  /** The store was cleared (a reset): the tables go with it. */
  cleared(): void {
    this.#tables.clear();
    this.#loading.clear();
  }

  #load(tenant: string): Promise<Table> {
    let loading = this.#loading.get(tenant);
    if (!loading) {
      loading = this.#store.list<LoginFailureRecord>(tenantGroup(tenant)).then((entries) => {
        const table: Table = new Map(entries.filter((e) => e.kind === KIND).map((e) => [e.id, e.value]));
        // A reset while the list was read leaves the table to the next use.
        if (this.#loading.get(tenant) === loading) this.#tables.set(tenant, table);
        return table;
      });
      this.#loading.set(tenant, loading);
    }
    return loading;
  }
}
