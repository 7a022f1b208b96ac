/**
 * The store in memory only (no state folder): every call takes effect at once and resolves at once.
 * Nothing survives the process. As the file store does, it refuses changes once closed.
 */
import { Entries } from './entries.js';
import { closedError, type Entry, type SetOptions, type Store } from './store.js';

const DONE = Promise.resolve();

export class MemoryStore implements Store {
  readonly #entries: Entries;
  #closed = false;

  /** @param now milliseconds since the epoch: the emulator's clock, which expiry follows */
  constructor(now: () => number) {
    this.#entries = new Entries(now);
  }

  get<T>(kind: string, id: string): Promise<Entry<T> | undefined> {
    return Promise.resolve(this.#entries.get(kind, id) as Entry<T> | undefined);
  }

  set(kind: string, id: string, value: unknown, options?: SetOptions): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    this.#entries.set(kind, id, value, options);
    return DONE;
  }

  consume<T>(kind: string, id: string): Promise<Entry<T> | undefined> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.resolve(this.#entries.consume(kind, id, this.#entries.nowSeconds()) as Entry<T> | undefined);
  }

  delete(kind: string, id: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.resolve(this.#entries.delete(kind, id));
  }

  deleteGroup(group: string): Promise<number> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.resolve(this.#entries.deleteGroup(group));
  }

  list<T>(group: string): Promise<Entry<T>[]> {
    return Promise.resolve(this.#entries.list(group) as Entry<T>[]);
  }

  clear(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    this.#entries.clear();
    return DONE;
  }

  durable(): Promise<void> {
    return DONE;
  }

  close(): Promise<void> {
    this.#closed = true;
    return DONE;
  }
}
