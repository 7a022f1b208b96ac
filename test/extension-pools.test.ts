/**
 * Extension workers are started per memory limit (`extension_memory_mb`): after a reload that changes the limit,
 * the workers of the old one finish what they run and stop, the last one too, and after close() no worker is
 * left. Workers are found as this test process's children running sandbox-worker.js (Linux `ps`).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../src/index.js';
import { API, fixture, tempDir } from './helpers.js';

const CLIENT = { client_id: 'app', client_secret: 'app-secret' };

function config(memoryMb: number): string {
  return JSON.stringify({
    tenants: [{
      name: 'dev', default: true, default_directory: 'db',
      apis: [{ identifier: API, scopes: ['read:sample'] }],
      clients: [{ ...CLIENT, grant_types: ['password'] }],
      connections: [{ name: 'db', users: [{ email: 'user@example.com', password: 'pwd' }] }],
      rules: [fixture('isolation/healthy.js')],
      extension_memory_mb: memoryMb,
    }],
  });
}

/** The heap limits (half of extension_memory_mb) of this process's extension workers. */
function workerHeapLimits(): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no such process.
  }
  return [...out.matchAll(/--max-old-space-size=(\d+)\S* .*sandbox-worker\.js/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}; workers: ${JSON.stringify(workerHeapLimits())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let emulator: Emulator;
let file: string;
beforeAll(async () => {
  file = join(tempDir(), 'auth.config.yaml');
  writeFileSync(file, config(128));
  emulator = await createEmulator({ config: file, stateDir: false, port: 0 });
});
afterAll(() => emulator?.close());

const login = () =>
  fetch(`${emulator.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...CLIENT }),
  }).then((res) => res.status);

describe('extension workers per memory limit', () => {
  it('after a reload that changes the limit, the old workers stop; after close(), none is left', async () => {
    expect(await login()).toBe(200);
    expect(workerHeapLimits()).toEqual([64]);

    writeFileSync(file, config(256));
    expect(await emulator.reload()).toMatchObject({ ok: true });
    expect(await login()).toBe(200);
    await until('only the new limit has workers', () => JSON.stringify(workerHeapLimits()) === '[128]');

    await emulator.close();
    await until('no worker is left', () => workerHeapLimits().length === 0);
  });
});
