/**
 * README's curl examples must keep working: every ```sh block of "Try every flow with curl" runs with bash
 * against a live emulator (the example config), with only the host:port changed. A block must exit 0 and
 * print no Auth0 error, except the errors block, whose commented bodies must each appear in its output.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type TestEmulator } from './helpers.js';

const run = promisify(execFile);
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Try every flow with curl'), readme.indexOf('## Tenants and URLs'));
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

let t: TestEmulator;
beforeAll(async () => {
  t = await startEmulator();
});
afterAll(() => t.close());

describe('README curl examples', () => {
  it('has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('block %i runs', async (_i, block) => {
    const script = block.replaceAll('http://127.0.0.1:4400', t.url);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 15_000 });
    const expectedErrors = [...block.matchAll(/^# (\{.*\}) \(\d{3}/gm)].map((m) => m[1]!);
    if (expectedErrors.length > 0) {
      for (const body of expectedErrors) expect(stdout).toContain(body);
    } else {
      expect(stdout.trim()).not.toBe('');
      expect(stdout).not.toMatch(/"error"/);
    }
  });
});
