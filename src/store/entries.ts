/**
 * The store's entries in memory, synchronously: the whole of the memory store, and what the file store
 * keeps beside its log. Every operation's effect is complete when it returns; the stores around it decide
 * when the promise resolves.
 *
 * An expired entry is dropped when a read meets it, and by a sweep of every entry once as many sets as
 * there are entries (at least 1,000) have gone by, so that entries nobody reads again (a code never
 * redeemed) do not pile up; the sweep costs about one entry visited per set.
 */
import type { Entry, SetOptions } from './store.js';

const NONE: readonly never[] = Object.freeze([]);

export class Entries {
  readonly #kinds = new Map<string, Map<string, Entry>>();
  /** Members of each group, oldest first (a limit group holds only entries not consumed). */
  readonly #groups = new Map<string, Set<Entry>>();
  /** Milliseconds since the epoch (the emulator's clock). */
  readonly #now: () => number;
  #size = 0;
  #setsSinceSweep = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.#size;
  }

  /** Epoch seconds, for consumedAt. */
  nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  get(kind: string, id: string): Entry | undefined {
    const entry = this.#kinds.get(kind)?.get(id);
    if (entry === undefined || !this.#expired(entry)) return entry;
    this.#remove(entry);
    return undefined;
  }

  /**
   * Sets an entry; returns the entries its limit pushed out (for the log), or undefined when `ifPresent`
   * found nothing to replace.
   */
  set(kind: string, id: string, value: unknown, options: SetOptions = {}): readonly Entry[] | undefined {
    if (options.ifPresent && this.get(kind, id) === undefined) return undefined;
    const entry: Entry = {
      kind,
      id,
      value,
      expiresAt: options.expiresAt,
      consumedAt: undefined,
      groups: options.groups ?? NONE,
      limitGroup: options.limit?.group,
    };
    this.put(entry);
    const evicted = options.limit === undefined ? NONE : this.#evict(options.limit.group, options.limit.max);
    if (++this.#setsSinceSweep > Math.max(1000, this.#size)) this.#sweep();
    return evicted;
  }

  /** Deletes the oldest members of a limit group past `max`; returns them. */
  #evict(group: string, max: number): readonly Entry[] {
    const members = this.#groups.get(group);
    if (members === undefined || members.size <= max) return NONE;
    const evicted: Entry[] = [];
    for (const old of members) {
      if (members.size <= max) break;
      this.#remove(old);
      evicted.push(old);
    }
    return evicted;
  }

  /** Puts an entry as it is (a replay, a rewrite), replacing any with its kind and id; no limit applies. */
  put(entry: Entry): void {
    const previous = this.#kinds.get(entry.kind)?.get(entry.id);
    if (previous) this.#remove(previous);
    let byId = this.#kinds.get(entry.kind);
    if (!byId) this.#kinds.set(entry.kind, (byId = new Map()));
    byId.set(entry.id, entry);
    this.#size++;
    for (const group of entry.groups) this.#join(group, entry);
    if (entry.limitGroup !== undefined && entry.consumedAt === undefined) this.#join(entry.limitGroup, entry);
  }

  /** Marks the entry consumed (`at`, epoch seconds); returns it as it was, or undefined if it was consumed or is not there. */
  consume(kind: string, id: string, at: number): Entry | undefined {
    const entry = this.get(kind, id);
    if (entry === undefined || entry.consumedAt !== undefined) return undefined;
    const consumed: Entry = { ...entry, consumedAt: at };
    this.#kinds.get(kind)!.set(id, consumed);
    for (const group of entry.groups) {
      const members = this.#groups.get(group)!;
      members.delete(entry);
      members.add(consumed);
    }
    if (entry.limitGroup !== undefined) this.#leave(entry.limitGroup, entry);
    return entry;
  }

  /** True when the entry was there (and not expired). */
  delete(kind: string, id: string): boolean {
    const entry = this.#kinds.get(kind)?.get(id);
    if (entry === undefined) return false;
    this.#remove(entry);
    return !this.#expired(entry);
  }

  /** Deletes the group's entries; returns how many were there (and not expired). */
  deleteGroup(group: string): number {
    const members = this.#groups.get(group);
    if (members === undefined) return 0;
    let count = 0;
    for (const entry of [...members]) {
      this.#remove(entry);
      if (!this.#expired(entry)) count++;
    }
    return count;
  }

  list(group: string): Entry[] {
    const members = this.#groups.get(group);
    return members === undefined ? [] : [...members].filter((entry) => !this.#expired(entry));
  }

  clear(): void {
    this.#kinds.clear();
    this.#groups.clear();
    this.#size = 0;
  }

  /** Every entry not expired: kind by kind, each kind's in the order they were last set (a limit group's order). */
  *live(): Generator<Entry> {
    for (const byId of this.#kinds.values()) for (const entry of byId.values()) if (!this.#expired(entry)) yield entry;
  }

  #expired(entry: Entry): boolean {
    return entry.expiresAt !== undefined && this.#now() >= entry.expiresAt * 1000;
  }

  #remove(entry: Entry): void {
    const byId = this.#kinds.get(entry.kind)!;
    byId.delete(entry.id);
    if (byId.size === 0) this.#kinds.delete(entry.kind);
    this.#size--;
    for (const group of entry.groups) this.#leave(group, entry);
    if (entry.limitGroup !== undefined) this.#leave(entry.limitGroup, entry);
  }

  #join(group: string, entry: Entry): void {
    let members = this.#groups.get(group);
    if (!members) this.#groups.set(group, (members = new Set()));
    members.add(entry);
  }

  #leave(group: string, entry: Entry): void {
    const members = this.#groups.get(group);
    if (members?.delete(entry) && members.size === 0) this.#groups.delete(group);
  }

  #sweep(): void {
    this.#setsSinceSweep = 0;
    for (const byId of [...this.#kinds.values()]) for (const entry of [...byId.values()]) if (this.#expired(entry)) this.#remove(entry);
  }
}
