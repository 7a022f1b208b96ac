/**
 * `auth-emulator logs` follows a running emulator's extension output live, as `wt logs` did: both run as
 * child processes, and a rule's console.log line reaches the follower while the emulator keeps serving.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, tempDir, writeTemp } from './helpers.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const children: ChildProcessWithoutNullStreams[] = [];

function start(args: string[], cwd: string) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waitFor = (stream: 'out' | 'err', re: RegExp, ms = 10_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = re.exec(stream === 'out' ? out : err);
        if (m) {
          clearInterval(poll);
          resolve(m);
        } else if (Date.now() - started > ms || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`waiting for ${re}: stdout=${out} stderr=${err}`));
        }
      }, 20);
    });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, waitFor, exited, out: () => out, err: () => err };
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

const RULE = `function (user, context, callback) {
  console.log('rule saw', user.email, 'on', context.protocol);
  console.warn('careful');
  callback(null, user, context);
}
`;

describe('auth-emulator logs', () => {
  it('shows a rule’s console output live, tagged with tenant, file and request', async () => {
    const dir = tempDir();
    writeTemp(dir, 'rules.js', RULE);
    const config = readFileSync(EXAMPLE_CONFIG, 'utf8').replace('    default_directory: Username-Password-Authentication\n', '    default_directory: Username-Password-Authentication\n    rules: ./rules.js\n');
    writeTemp(dir, 'auth.config.yaml', config);

    const server = start(['--port', '0', '--quiet'], dir);
    const port = (await server.waitFor('out', /Ready on http:\/\/127\.0\.0\.1:(\d+)/))[1]!;
    const follower = start(['logs', '--port', port, '--tenant', 'dev'], dir);
    await follower.waitFor('err', /Following extension logs of http:\/\/127\.0\.0\.1:\d+ \(tenant dev\)/);

    const res = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'user@example.com', password: 'pwd', client_id: 'trusted-app', client_secret: 'trusted-app-secret' }),
    });
    expect(res.status).toBe(200);

    const line = await follower.waitFor('out', /^\[dev rules\.js ([0-9a-f]{8})\] rule saw user@example\.com on oauth2-password$/m);
    await follower.waitFor('out', new RegExp(`^\\[dev rules\\.js ${line[1]}\\] warn: careful$`, 'm'));
    // The server prints the same lines (even with --quiet: it is the user's own output).
    await server.waitFor('out', /^\[dev rules\.js [0-9a-f]{8}\] rule saw user@example\.com on oauth2-password$/m);

    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(await follower.exited).toBe(0);
    expect(follower.err()).toMatch(/The emulator stopped\.\n$/);
  });

  it('says so when no emulator is running', async () => {
    const follower = start(['logs', '--port', '1'], tempDir());
    expect(await follower.exited).toBe(1);
    expect(follower.err()).toBe('Cannot reach an emulator at http://127.0.0.1:1. Is it running? Name it with --port and --host.\n');
  });
});
