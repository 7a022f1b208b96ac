/**
 * The file store: the store contract (contract.ts), and what only a file has: a last line cut short, and a
 * process killed with SIGKILL in the middle of a write, made exact by a child (test/fixtures/store/
 * crash-writer.mjs, on the built dist/) that kills itself at that point.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file-store.js';
import { tempDir } from '../helpers.js';
import { describeStoreContract } from './contract.js';

describeStoreContract(
  'FileStore',
  () => {
    const file = join(tempDir('auth-emulator-store-'), 'store.jsonl');
    return { create: (now) => FileStore.open(file, now), reopen: (now) => FileStore.open(file, now) };
  },
  { reopens: true },
);

const lines = (file: string) => readFileSync(file, 'utf8').split('\n');

function crashWriter(file: string, mode: 'line' | 'rewrite'): Promise<{ signal: NodeJS.Signals | null; acks: string[] }> {
  const script = new URL('../fixtures/store/crash-writer.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, file, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve) => child.once('close', (_code, signal) => resolve({ signal, acks: out.split('\n').filter(Boolean) })));
}

describe('FileStore on a damaged or interrupted log', () => {
  it('keeps what came before a last line cut short, and writes on cleanly after it', async () => {
    const file = join(tempDir('auth-emulator-store-'), 'store.jsonl');
    const a = await FileStore.open(file, Date.now);
    await a.set('Code', 'a', 1);
    await a.set('Code', 'b', 2);
    await a.close();
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"set":"Code","id":"c","val`);

    const b = await FileStore.open(file, Date.now);
    expect([(await b.get('Code', 'a'))?.value, (await b.get('Code', 'b'))?.value, await b.get('Code', 'c')]).toEqual([1, 2, undefined]);
    await b.set('Code', 'c', 3);
    await b.close();
    const written = lines(file);
    expect(written.pop()).toBe('');
    expect(written.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['a', 'b', 'c']);
  });

  it('after a SIGKILL halfway through appending a line: every acknowledged change is there, the cut line is not', async () => {
    const file = join(tempDir('auth-emulator-store-'), 'store.jsonl');
    const { signal, acks } = await crashWriter(file, 'line');
    expect({ signal, acks }).toEqual({ signal: 'SIGKILL', acks: ['ack a', 'ack b', 'ack c'] });
    // The write of d reached the file in part.
    const cut = lines(file).at(-1)!;
    expect(cut).toMatch(/^\{"set":"Code","id":"d/);
    expect(() => JSON.parse(cut)).toThrow();

    const store = await FileStore.open(file, Date.now);
    expect((await store.list<{ id: string }>('g')).map((e) => e.value.id)).toEqual(['a', 'b', 'c']);
    expect(await store.get('Code', 'd')).toBeUndefined();
    await store.set('Code', 'd', { id: 'd' });
    await store.close();
    for (const line of lines(file).filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('after a SIGKILL during a rewrite, before its rename: the log is the old one, whole, and the temp file is removed', async () => {
    const file = join(tempDir('auth-emulator-store-'), 'store.jsonl');
    const a = await FileStore.open(file, Date.now);
    await a.set('Code', 'kept', 1);
    await a.set('Code', 'dead', 2);
    await a.delete('Code', 'dead');
    await a.close();
    const before = readFileSync(file, 'utf8');

    // Opening a log with dead lines rewrites it: the child dies between writing the temp file and the rename.
    const { signal, acks } = await crashWriter(file, 'rewrite');
    expect({ signal, acks }).toEqual({ signal: 'SIGKILL', acks: [] });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(join(file, '..')).sort()).toEqual(['store.jsonl', expect.stringMatching(/^store\.jsonl\.\d+\.tmp$/)]);

    const store = await FileStore.open(file, Date.now);
    expect([(await store.get('Code', 'kept'))?.value, await store.get('Code', 'dead')]).toEqual([1, undefined]);
    await store.close();
    expect(readdirSync(join(file, '..'))).toEqual(['store.jsonl']);
  });
});
