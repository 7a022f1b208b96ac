/**
 * The store in a state folder: entries in memory (entries.ts), every change also appended to a log
 * (append-log.ts: group commit, rewrites, recovery), so that they survive restarts and crashes. A change
 * resolves once its line is written; one that changes nothing (a delete of an entry not there, a consume
 * that loses) resolves once the changes before it are written, since the answer it leads to rests on them.
 * Only this process may use the file: state-lock.ts keeps others out.
 *
 * One line per change, named by its first key: `{"set":kind,"id",…,"value",…}` (with `expiresAt`, `groups`,
 * `limit`, and `consumedAt` in a rewrite), `{"consume":kind,"id","at"}`, `{"delete":kind,"id"}`,
 * `{"deleteGroup":group}`, `{"clear":true}`. The log records effects, not requests: a set whose limit pushed
 * older entries out is followed by their deletes, so replaying it never depends on the clock.
 * A rewrite leaves out expired entries.
 */
import { dirname } from 'node:path';
import { stateError } from './state-error.js';
import { AppendLog } from './append-log.js';
import { Entries } from './entries.js';
import { closedError, type Entry, type SetOptions, type Store } from './store.js';

const setLine = (entry: Entry) =>
  JSON.stringify({
    set: entry.kind,
    id: entry.id,
    value: entry.value,
    expiresAt: entry.expiresAt,
    consumedAt: entry.consumedAt,
    groups: entry.groups.length > 0 ? entry.groups : undefined,
    limit: entry.limitGroup,
  });
const deleteLine = (kind: string, id: string) => JSON.stringify({ delete: kind, id });

export class FileStore implements Store {
  readonly #entries: Entries;
  readonly #log: AppendLog;
  #closed = false;

  private constructor(entries: Entries, log: AppendLog) {
    this.#entries = entries;
    this.#log = log;
  }

  /**
   * Opens (or creates) the log `file` and loads it.
   * @param now milliseconds since the epoch: the emulator's clock, which expiry follows
   * @throws StateError when the file or its folder cannot be used (a folder where the file should be, …)
   */
  static async open(file: string, now: () => number): Promise<FileStore> {
    const entries = new Entries(now);
    try {
      const log = await AppendLog.open(file, {
        replay: (line) => replay(entries, line),
        lines: () => [...entries.live()].map(setLine),
        get size() {
          return entries.size;
        },
      });
      return new FileStore(entries, log);
    } catch (err) {
      throw stateError(dirname(file), file, err);
    }
  }

  get<T>(kind: string, id: string): Promise<Entry<T> | undefined> {
    return Promise.resolve(this.#entries.get(kind, id) as Entry<T> | undefined);
  }

  set(kind: string, id: string, value: unknown, options?: SetOptions): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const evicted = this.#entries.set(kind, id, value, options);
    if (evicted === undefined) return this.#log.durable();
    const groups = options?.groups;
    let written = this.#log.append(
      JSON.stringify({ set: kind, id, value, expiresAt: options?.expiresAt, groups: groups?.length ? groups : undefined, limit: options?.limit?.group }),
    );
    for (const entry of evicted) written = this.#log.append(deleteLine(entry.kind, entry.id));
    return written;
  }

  consume<T>(kind: string, id: string): Promise<Entry<T> | undefined> {
    if (this.#closed) return Promise.reject(closedError());
    const at = this.#entries.nowSeconds();
    const entry = this.#entries.consume(kind, id, at);
    const written = entry === undefined ? this.#log.durable() : this.#log.append(JSON.stringify({ consume: kind, id, at }));
    return written.then(() => entry as Entry<T> | undefined);
  }

  delete(kind: string, id: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(closedError());
    const existed = this.#entries.get(kind, id) !== undefined;
    if (!existed) return this.#log.durable().then(() => false);
    this.#entries.delete(kind, id);
    return this.#log.append(deleteLine(kind, id)).then(() => true);
  }

  deleteGroup(group: string): Promise<number> {
    if (this.#closed) return Promise.reject(closedError());
    const count = this.#entries.deleteGroup(group);
    const written = count === 0 ? this.#log.durable() : this.#log.append(JSON.stringify({ deleteGroup: group }));
    return written.then(() => count);
  }

  list<T>(group: string): Promise<Entry<T>[]> {
    return Promise.resolve(this.#entries.list(group) as Entry<T>[]);
  }

  clear(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    this.#entries.clear();
    return this.#log.append('{"clear":true}');
  }

  durable(): Promise<void> {
    return this.#log.durable();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#log.close();
  }
}

/** Applies one line of the log; anything that is not a change of a known shape (a file edited by hand) is skipped. */
function replay(entries: Entries, line: string): void {
  let change: unknown;
  try {
    change = JSON.parse(line);
  } catch {
    return; // a line cut short by a crash: the changes before it stand
  }
  if (typeof change !== 'object' || change === null) return;
  const c = change as Record<string, unknown>;
  if (typeof c.set === 'string' && typeof c.id === 'string' && 'value' in c) {
    const groups = c.groups ?? [];
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) return;
    if (!optional(c.expiresAt, 'number') || !optional(c.consumedAt, 'number') || !optional(c.limit, 'string')) return;
    entries.put({
      kind: c.set,
      id: c.id,
      value: c.value,
      expiresAt: c.expiresAt as number | undefined,
      consumedAt: c.consumedAt as number | undefined,
      groups: groups as string[],
      limitGroup: c.limit as string | undefined,
    });
  } else if (typeof c.consume === 'string' && typeof c.id === 'string' && typeof c.at === 'number') entries.consume(c.consume, c.id, c.at);
  else if (typeof c.delete === 'string' && typeof c.id === 'string') entries.delete(c.delete, c.id);
  else if (typeof c.deleteGroup === 'string') entries.deleteGroup(c.deleteGroup);
  else if (c.clear === true) entries.clear();
}

const optional = (value: unknown, type: 'number' | 'string') => value === undefined || typeof value === type;
