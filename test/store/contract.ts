/**
 * The contract every store (src/store/store.ts) must meet, as one suite: memory-store.test.ts and
 * file-store.test.ts run it, and a later Redis store runs it too. `create` opens a store on new, empty state;
 * stores whose state outlives them also give `reopen`, which opens the same state again after a close, and
 * pass `reopens: true`.
 * Time is the test's: the store reads it through `now`, as it reads the emulator's clock.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { StateError } from '../../src/store/state-error.js';

export interface StoreFactory {
  create(now: () => number): Promise<Store>;
  reopen?(now: () => number): Promise<Store>;
}

/** 2030-01-01T00:00:00.000Z, in ms; tests move it. */
const START = Date.UTC(2030, 0, 1);
const seconds = (ms: number) => Math.floor(ms / 1000);

export function describeStoreContract(name: string, factory: () => StoreFactory, options: { reopens?: boolean } = {}): void {
  describe(`${name}: the store contract`, () => {
    /** A store on new state, and the test's clock. */
    async function fresh() {
      const f = factory();
      const clock = { now: START };
      const now = () => clock.now;
      const store = await f.create(now);
      return { f, clock, now, store };
    }

    it('gets what was set, by kind and id; kinds do not share ids; values come back as JSON', async () => {
      const { store } = await fresh();
      const value = { a: 1, list: ['x', { y: null }], text: 'naïve ✓', nested: { deep: [1.5, true] } };
      await store.set('Code', 'one', value);
      await store.set('Session', 'one', 'a string');
      expect(await store.get('Code', 'one')).toMatchObject({ kind: 'Code', id: 'one', value, expiresAt: undefined, consumedAt: undefined });
      expect((await store.get('Session', 'one'))?.value).toBe('a string');
      expect(await store.get('Code', 'two')).toBeUndefined();
      expect(await store.get('Nope', 'one')).toBeUndefined();
      await store.close();
    });

    it('takes calls in the order they are made: a read sees a write not yet awaited', async () => {
      const { store } = await fresh();
      const written = store.set('Code', 'a', 1);
      const seen = store.get('Code', 'a');
      const deleted = store.delete('Code', 'a');
      const after = store.get('Code', 'a');
      expect([(await seen)?.value, await after]).toEqual([1, undefined]);
      await Promise.all([written, deleted]);
      await store.close();
    });

    it('replaces an entry on set: its value, its expiry, its groups, and it is no longer consumed', async () => {
      const { store, clock } = await fresh();
      await store.set('Code', 'a', 1, { groups: ['g1'], expiresAt: seconds(clock.now) + 10 });
      await store.consume('Code', 'a');
      await store.set('Code', 'a', 2, { groups: ['g2'] });
      expect(await store.get('Code', 'a')).toMatchObject({ value: 2, expiresAt: undefined, consumedAt: undefined, groups: ['g2'] });
      expect(await store.list('g1')).toEqual([]);
      expect((await store.list('g2')).map((e) => e.id)).toEqual(['a']);
      await store.close();
    });

    it('expires an entry at its expiresAt by the clock it was given, not by real time', async () => {
      const { store, clock } = await fresh();
      const at = seconds(clock.now) + 60;
      await store.set('Code', 'a', 1, { expiresAt: at, groups: ['g'] });
      await store.set('Code', 'b', 2, { expiresAt: at });
      clock.now = at * 1000 - 1;
      expect(await store.get('Code', 'a')).toMatchObject({ value: 1, expiresAt: at });
      expect((await store.list('g')).map((e) => e.id)).toEqual(['a']);
      clock.now = at * 1000;
      expect(await store.get('Code', 'a')).toBeUndefined();
      expect(await store.consume('Code', 'b')).toBeUndefined();
      expect(await store.list('g')).toEqual([]);
      expect(await store.delete('Code', 'b')).toBe(false);
      expect(await store.deleteGroup('g')).toBe(0);
      // Expired is gone: setting it again starts anew.
      await store.set('Code', 'a', 3);
      expect((await store.get('Code', 'a'))?.value).toBe(3);
      await store.close();
    });

    it('lets an entry be consumed once: it stays, marked with the clock’s time, and a second consume gets nothing', async () => {
      const { store, clock } = await fresh();
      await store.set('Code', 'a', { n: 1 });
      clock.now += 5_500;
      const first = await store.consume<{ n: number }>('Code', 'a');
      expect(first).toMatchObject({ id: 'a', value: { n: 1 }, consumedAt: undefined });
      expect(await store.get('Code', 'a')).toMatchObject({ value: { n: 1 }, consumedAt: seconds(START + 5_500) });
      expect(await store.consume('Code', 'a')).toBeUndefined();
      expect(await store.consume('Code', 'never')).toBeUndefined();
      await store.close();
    });

    it('gives a contested entry to exactly one of many concurrent consumers', async () => {
      const { store } = await fresh();
      for (const id of ['a', 'b', 'c']) await store.set('Code', id, id);
      const rounds = await Promise.all(['a', 'b', 'c'].map((id) => Promise.all(Array.from({ length: 8 }, () => store.consume('Code', id)))));
      for (const [i, results] of rounds.entries()) expect(results.filter((r) => r !== undefined).map((r) => r!.value)).toEqual([['a', 'b', 'c'][i]]);
      await store.close();
    });

    it('deletes an entry, and says whether it was there', async () => {
      const { store } = await fresh();
      await store.set('Code', 'a', 1, { groups: ['g'] });
      expect(await store.delete('Code', 'a')).toBe(true);
      expect(await store.get('Code', 'a')).toBeUndefined();
      expect(await store.list('g')).toEqual([]);
      expect(await store.delete('Code', 'a')).toBe(false);
      await store.close();
    });

    it('deletes a group, across kinds, consumed entries included, and nothing else', async () => {
      const { store } = await fresh();
      await store.set('Code', 'c1', 1, { groups: ['grant:1', 'user:u'] });
      await store.set('Token', 't1', 2, { groups: ['grant:1'] });
      await store.set('Token', 't2', 3, { groups: ['grant:2', 'user:u'] });
      await store.consume('Token', 't1');
      expect(await store.deleteGroup('grant:1')).toBe(2);
      expect(await store.get('Code', 'c1')).toBeUndefined();
      expect(await store.get('Token', 't1')).toBeUndefined();
      expect((await store.get('Token', 't2'))?.value).toBe(3);
      // The deleted entries left their other groups too.
      expect((await store.list('user:u')).map((e) => e.id)).toEqual(['t2']);
      expect(await store.deleteGroup('grant:1')).toBe(0);
      expect(await store.deleteGroup('never')).toBe(0);
      await store.close();
    });

    it('lists a group oldest first, across kinds', async () => {
      const { store } = await fresh();
      await store.set('A', '1', 1, { groups: ['g'] });
      await store.set('B', '2', 2, { groups: ['g', 'h'] });
      await store.set('A', '3', 3, { groups: ['g'] });
      expect((await store.list('g')).map((e) => [e.kind, e.id, e.value])).toEqual([['A', '1', 1], ['B', '2', 2], ['A', '3', 3]]);
      expect(await store.list('nobody')).toEqual([]);
      await store.close();
    });

    it('keeps a limit group to its max entries not consumed, deleting the oldest', async () => {
      const { store } = await fresh();
      const limit = { group: 'active', max: 2 };
      await store.set('T', '1', 1, { limit });
      await store.set('T', '2', 2, { limit });
      await store.set('T', '3', 3, { limit });
      expect(await store.get('T', '1')).toBeUndefined();
      // A consumed entry no longer counts, and is not deleted to make room.
      await store.consume('T', '2');
      await store.set('T', '4', 4, { limit });
      expect((await Promise.all(['2', '3', '4'].map((id) => store.get('T', id)))).map((e) => e?.value)).toEqual([2, 3, 4]);
      await store.set('T', '5', 5, { limit });
      expect((await Promise.all(['2', '3', '4', '5'].map((id) => store.get('T', id)))).map((e) => e?.value)).toEqual([2, undefined, 4, 5]);
      await store.close();
    });

    it('with ifPresent, replaces an entry that is there and never brings back one that is not', async () => {
      const { store } = await fresh();
      await store.set('T', 'a', 1, { groups: ['g'] });
      await store.set('T', 'a', 2, { groups: ['g'], ifPresent: true });
      expect((await store.get('T', 'a'))?.value).toBe(2);
      const deleted = store.delete('T', 'a');
      await store.set('T', 'a', 3, { ifPresent: true });
      await deleted;
      expect(await store.get('T', 'a')).toBeUndefined();
      await store.set('T', 'never', 1, { ifPresent: true });
      expect(await store.get('T', 'never')).toBeUndefined();
      await store.close();
    });

    it('clears everything', async () => {
      const { store } = await fresh();
      await store.set('A', '1', 1, { groups: ['g'] });
      await store.set('B', '2', 2);
      await store.clear();
      expect([await store.get('A', '1'), await store.get('B', '2'), await store.list('g')]).toEqual([undefined, undefined, []]);
      await store.set('A', '1', 3);
      expect((await store.get('A', '1'))?.value).toBe(3);
      await store.close();
    });

    it('refuses every change once closed, with a StateError', async () => {
      const { store } = await fresh();
      await store.set('A', '1', 1, { groups: ['g'] });
      await store.durable();
      await store.close();
      const closed = new StateError('The emulator is closed: changes to its state are no longer saved.');
      await expect(store.set('A', '2', 2)).rejects.toEqual(closed);
      await expect(store.consume('A', '1')).rejects.toEqual(closed);
      await expect(store.delete('A', '1')).rejects.toEqual(closed);
      await expect(store.deleteGroup('g')).rejects.toEqual(closed);
      await expect(store.clear()).rejects.toEqual(closed);
      await expect(store.set('A', '2', 2)).rejects.toBeInstanceOf(StateError);
    });

    if (options.reopens) it('has, once reopened, every change that was made before the close', async () => {
      const { f, clock, now, store } = await fresh();
      const soon = seconds(clock.now) + 100;
      const limit = { group: 'active', max: 2 };
      await store.set('Code', 'live', { v: 'live' }, { expiresAt: soon, groups: ['grant:1'] });
      await store.set('Code', 'used', { v: 'used' }, { groups: ['grant:1'] });
      await store.consume('Code', 'used');
      await store.set('Code', 'gone', 1);
      await store.delete('Code', 'gone');
      await store.set('Token', 'x', 1, { groups: ['grant:2'] });
      await store.deleteGroup('grant:2');
      await store.set('T', '1', 1, { limit });
      await store.set('T', '2', 2, { limit });
      await store.set('T', '3', 3, { limit });
      await store.consume('T', '2');
      await store.close();

      const again = await f.reopen!(now);
      expect(await again.get('Code', 'live')).toMatchObject({ value: { v: 'live' }, expiresAt: soon, consumedAt: undefined, groups: ['grant:1'] });
      expect(await again.get('Code', 'used')).toMatchObject({ value: { v: 'used' }, consumedAt: seconds(START) });
      expect(await again.consume('Code', 'used')).toBeUndefined();
      expect([await again.get('Code', 'gone'), await again.get('Token', 'x'), await again.get('T', '1')]).toEqual([undefined, undefined, undefined]);
      // The limit group came back as it was: 3 counts, 2 (consumed) does not, so a new one pushes 3 out.
      await again.set('T', '4', 4, { limit });
      await again.set('T', '5', 5, { limit });
      expect((await Promise.all(['2', '3', '4', '5'].map((id) => again.get('T', id)))).map((e) => e?.value)).toEqual([2, undefined, 4, 5]);
      // Groups came back, and expiry follows the clock.
      expect((await again.list('grant:1')).map((e) => e.id)).toEqual(['live', 'used']);
      clock.now = soon * 1000;
      expect(await again.get('Code', 'live')).toBeUndefined();
      expect(await again.deleteGroup('grant:1')).toBe(1);
      await again.clear();
      await again.close();

      const cleared = await f.reopen!(now);
      expect([await cleared.get('Code', 'used'), await cleared.get('T', '5')]).toEqual([undefined, undefined]);
      await cleared.close();
    });
  });
}
