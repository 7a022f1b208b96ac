/**
 * A read-only map view: `over` entries shadow `base` entries, and a `null` in `over` hides a base entry.
 * Runtime changes (users added or removed by a test) sit over the config's maps without copying them,
 * so a change costs the same with 10 users or 100,000.
 */
export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  readonly #base: ReadonlyMap<K, V>;
  readonly #over: ReadonlyMap<K, V | null>;

  constructor(base: ReadonlyMap<K, V>, over: ReadonlyMap<K, V | null>) {
    this.#base = base;
    this.#over = over;
  }

  get(key: K): V | undefined {
    if (this.#over.has(key)) return this.#over.get(key) ?? undefined;
    return this.#base.get(key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }

  *entries(): MapIterator<[K, V]> {
    for (const entry of this.#base) if (!this.#over.has(entry[0])) yield entry;
    for (const [k, v] of this.#over) if (v !== null) yield [k, v];
  }

  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
