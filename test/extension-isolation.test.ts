/**
 * Issue 10, findings 11 and 6: extension code runs in worker processes, so whatever a rule does to its own
 * process (kills it, exits it, fills its memory with Buffers or its JavaScript heap) fails that login with an
 * extension error and never stops the emulator; the worker is replaced. These tests run the CLI (dist/) as a
 * child process: where a rule shares the emulator's process, the emulator itself dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, decode, fixture, tempDir } from './helpers.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const CLIENT = { client_id: 'app', client_secret: 'app-secret' };

function tenant(name: string, rule: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    default_directory: 'db',
    apis: [{ identifier: API, scopes: ['read:sample'] }],
    clients: [{ ...CLIENT, token_endpoint_auth_method: 'client_secret_post', grant_types: ['password'] }],
    connections: [{ name: 'db', users: [{ email: 'user@example.com', password: 'pwd' }] }],
    rules: [fixture(`isolation/${rule}`)],
    extension_timeout_ms: 20_000,
    ...extra,
  };
}

interface Cli {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the CLI on `tenants` (a config file in a temp folder) and waits for its "Ready on" line. */
async function startCli(tenants: object[]): Promise<Cli> {
  const dir = tempDir();
  writeFileSync(join(dir, 'auth.config.yaml'), JSON.stringify({ tenants }));
  const child = spawn(process.execPath, [CLI, '--port', '0', '--config', join(dir, 'auth.config.yaml')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 15_000);
    child.stdout!.on('data', () => {
      const m = /Ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${out}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

const login = (cli: Cli, name: string) =>
  fetch(`${cli.url}/${name}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, ...CLIENT }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, string> }));

/** Waits until the CLI has printed a line matching `line` (the request line follows the response). */
async function printed(cli: Cli, line: RegExp): Promise<void> {
  for (const until = Date.now() + 5_000; !line.test(cli.output()); ) {
    if (Date.now() > until) throw new Error(`no line matching ${line} in:\n${cli.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The emulator is alive and serving: a healthy rule's login succeeds and its process has not exited. */
async function expectServing(cli: Cli) {
  const res = await login(cli, 'healthy');
  expect(res.status).toBe(200);
  expect(decode(res.body.access_token!)['https://example.com/healthy']).toBe(true);
  expect(cli.child.exitCode).toBeNull();
  expect(cli.child.signalCode).toBeNull();
}

const MEMORY = { error: 'access_denied', error_description: 'Request to Webtask exceeded allowed memory' };

describe('what a rule does to its own process stays there', () => {
  let cli: Cli;
  beforeAll(async () => {
    cli = await startCli([
      tenant('healthy', 'healthy.js'),
      tenant('kill', 'kill-own-process.js'),
      tenant('exit', 'exit-own-process.js'),
      tenant('buffers', 'buffer-hog.js', { rules_configuration: { HOG_MB: '1024' } }),
      tenant('heap', 'heap-hog.js', { rules_configuration: { HOG_MB: '600' } }),
      ...['null', 'done', 'log'].map((kind) => tenant(`send-${kind}`, 'send-garbage.js', { rules_configuration: { SEND: kind } })),
    ]);
  });
  afterAll(() => cli.stop());

  it('process.kill(process.pid) from a rule fails that login; the emulator keeps serving', async () => {
    await expectServing(cli);
    expect(await login(cli, 'kill')).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'the extension worker stopped (signal SIGTERM)' } });
    await expectServing(cli);
    await printed(cli, /^\[kill - [0-9a-f]{8}\] error: the extension worker stopped \(signal SIGTERM\); it was replaced$/m);
  });

  it('process.exit() from a rule fails that login; the emulator keeps serving', async () => {
    expect(await login(cli, 'exit')).toEqual({ status: 403, body: { error: 'access_denied', error_description: 'the extension worker stopped (exit code 3)' } });
    await expectServing(cli);
  });

  it('messages a rule sends on its worker\'s IPC channel (null, forged results, malformed logs) fail that login; the emulator keeps serving', async () => {
    for (const kind of ['null', 'log', 'done']) {
      const res = await login(cli, `send-${kind}`);
      expect(res.status, kind).toBe(403);
      expect(res.body, kind).toEqual({ error: 'access_denied', error_description: expect.stringMatching(/^the extension worker stopped: it sent a malformed message \(/) });
      await expectServing(cli);
    }
  });

  it('a rule holding more Buffers than extension_memory_mb (default 512) fails with the extension error', async () => {
    expect(await login(cli, 'buffers')).toEqual({ status: 403, body: MEMORY });
    await printed(cli, /^POST \/buffers\/oauth\/token buffers password app 403 \S+ access_denied \(the extension worker used \d+ MB, over its limit of 512 MB \(extension_memory_mb\)\)$/m);
    await expectServing(cli);
  });

  it("a rule filling the JavaScript heap (over half of extension_memory_mb) fails with the extension error; V8's report is not printed", async () => {
    expect(await login(cli, 'heap')).toEqual({ status: 403, body: MEMORY });
    await printed(
      cli,
      /^POST \/heap\/oauth\/token heap password app 403 \S+ access_denied \(the extension worker's JavaScript heap reached its limit of 256 MB \(half of extension_memory_mb\)\)$/m,
    );
    expect(cli.output()).not.toContain('FATAL ERROR');
    expect(cli.output()).not.toContain('Last few GCs');
    await expectServing(cli);
  });
});

describe('extension_memory_mb', () => {
  it("sets the workers' limit", async () => {
    const cli = await startCli([
      tenant('healthy', 'healthy.js', { extension_memory_mb: 128 }),
      tenant('small', 'buffer-hog.js', { extension_memory_mb: 128, rules_configuration: { HOG_MB: '256' } }),
      tenant('default', 'buffer-hog.js', { rules_configuration: { HOG_MB: '256' } }),
    ]);
    try {
      expect(await login(cli, 'small')).toEqual({ status: 403, body: MEMORY });
      await printed(cli, /over its limit of 128 MB \(extension_memory_mb\)/);
      const fits = await login(cli, 'default');
      expect(fits.status).toBe(200);
      expect(decode(fits.body.access_token!)['https://example.com/held-mb']).toBe(256);
      await expectServing(cli);
    } finally {
      await cli.stop();
    }
  });
});
