/**
 * A damaged state folder (issue 10, finding 8): the CLI, in a child process, exits 1 with one line that
 * names the path and what is wrong with it, as it does for a broken key file, and no stack trace.
 */
import { copyFileSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, runToExit } from './child-emulator.js';
import { EXAMPLE_CONFIG, tempDir } from './helpers.js';

afterAll(killAll);

/** A folder with a copy of the example config; `damage` breaks its state folder. */
function project(damage: (dir: string) => void): string {
  const dir = realpathSync(tempDir('auth-emulator-state-'));
  copyFileSync(EXAMPLE_CONFIG, join(dir, 'auth.config.yaml'));
  damage(dir);
  return dir;
}

const start = (dir: string, ...args: string[]) => runToExit(['--port', '0', '--no-watch', ...args], dir);

describe('a damaged state folder stops start-up with one line and exit code 1', () => {
  it.each([
    {
      what: 'store.jsonl is a folder',
      damage: (dir: string) => mkdirSync(join(dir, '.auth-emulator', 'store.jsonl'), { recursive: true }),
      line: (dir: string) => `Cannot use the state folder ${dir}/.auth-emulator: ${dir}/.auth-emulator/store.jsonl is a folder, not a file.`,
    },
    {
      what: 'refresh-tokens.jsonl (of an earlier version) is a folder',
      damage: (dir: string) => mkdirSync(join(dir, '.auth-emulator', 'refresh-tokens.jsonl'), { recursive: true }),
      line: (dir: string) => `Cannot use the state folder ${dir}/.auth-emulator: ${dir}/.auth-emulator/refresh-tokens.jsonl is a folder, not a file.`,
    },
    {
      what: '.auth-emulator is a file',
      damage: (dir: string) => writeFileSync(join(dir, '.auth-emulator'), ''),
      line: (dir: string) => `Cannot use the state folder ${dir}/.auth-emulator: it is a file, not a folder.`,
    },
    {
      what: 'keys is a file',
      damage: (dir: string) => {
        mkdirSync(join(dir, '.auth-emulator'));
        writeFileSync(join(dir, '.auth-emulator', 'keys'), '');
      },
      line: (dir: string) => `Cannot use the state folder ${dir}/.auth-emulator: ${dir}/.auth-emulator/keys is a file, not a folder.`,
    },
    {
      what: "a tenant's key file is a folder",
      damage: (dir: string) => mkdirSync(join(dir, '.auth-emulator', 'keys', 'dev.pem'), { recursive: true }),
      line: (dir: string) => `Cannot use the state folder ${dir}/.auth-emulator: ${dir}/.auth-emulator/keys/dev.pem is a folder, not a file.`,
    },
  ])('$what', async ({ damage, line }) => {
    const dir = project(damage);
    expect(await start(dir)).toEqual({ code: 1, output: `${line(dir)}\n` });
  });

  it('--state-dir inside a file', async () => {
    const dir = project((d) => writeFileSync(join(d, 'notes.txt'), 'a file'));
    expect(await start(dir, '--state-dir', 'notes.txt/state')).toEqual({
      code: 1,
      output: `Cannot use the state folder ${dir}/notes.txt/state: ${dir}/notes.txt is a file, not a folder.\n`,
    });
  });

  it('the token command says the same', async () => {
    const dir = project((d) => writeFileSync(join(d, '.auth-emulator'), ''));
    expect(await runToExit(['token', '--client', 'trusted-app'], dir)).toEqual({
      code: 1,
      output: `Cannot use the state folder ${dir}/.auth-emulator: it is a file, not a folder.\n`,
    });
  });
});
