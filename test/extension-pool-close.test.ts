/**
 * Closing the emulator waits for its extension workers to exit. The workers are unref'd (they must not keep a
 * process alive on their own), so while close() waited for their 'exit' nothing kept the event loop running: a
 * process that awaited close() at top level, as the token command does, ended there with exit code 13
 * (unsettled top-level await), after printing its token.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const run = promisify(execFile);

it('the token command exits 0 on a config with a rule (its extension worker is stopped and waited for)', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'rule.js'), 'function (user, context, callback) {\n  callback(null, user, context);\n}\n');
  writeFileSync(
    join(dir, 'auth.config.yaml'),
    'tenants:\n  - name: dev\n    rules: [./rule.js]\n    apis:\n      - identifier: https://api.example.com\n    clients:\n      - client_id: app\n        client_secret: secret\n        grant_types: [client_credentials]\n    client_grants:\n      - { client_id: app, audience: https://api.example.com, scope: [] }\n',
  );
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('AUTH_EMULATOR_')) delete env[key];
  // Rejects (with the exit code) unless the command exits 0. The first run also makes the tenant's key, which
  // gives the worker time to start; the second is as quick as the command usually is.
  for (const _ of ['makes the key', 'reuses it']) {
    const { stdout } = await run(process.execPath, [CLI, 'token', '--client', 'app', '--audience', 'https://api.example.com'], { cwd: dir, env });
    expect(stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
  }
});
