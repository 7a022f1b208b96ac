/**
 * `auth-emulator logs` follows a running emulator's extension output live, as `wt logs` did: both run as
 * child processes, and a rule's console.log line reaches the follower while the emulator keeps serving.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../src/index.js';
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

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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

  // Issue 10, finding 5: a stopped follower made the emulator buffer everything for it (171 → 509 MB). Now it
  // misses lines and is told how many, while another follower gets every line. The wording is the emulator's own.
  it('a stopped follower misses lines and says how many when it resumes; another follower gets every line', async () => {
    const dir = tempDir();
    // 64 lines of 4 KB per login: 48 logins make 12 MB, twice what the socket buffers and the emulator's 1 MB hold
    // for a stopped reader (it got about 5 MB of a 24 MB run).
    writeTemp(dir, 'rules.js', `function (user, context, callback) {
  for (var i = 0; i < 64; i++) console.log('burst', i, '${'x'.repeat(4_000)}');
  callback(null, user, context);
}
`);
    const config = readFileSync(EXAMPLE_CONFIG, 'utf8').replace('    default_directory: Username-Password-Authentication\n', '    default_directory: Username-Password-Authentication\n    rules: ./rules.js\n');
    const emulator = await createEmulator({ config: writeTemp(dir, 'auth.config.yaml', config), stateDir: false, port: 0 });
    try {
      const port = new URL(emulator.url!).port;
      const live = start(['logs', '--port', port], dir);
      const stopped = start(['logs', '--port', port], dir);
      await live.waitFor('err', /Following extension logs/);
      await stopped.waitFor('err', /Following extension logs/);
      const counts = (f: ReturnType<typeof start>) => {
        const c = { lines: 0, dropped: 0 };
        let rest = '';
        f.child.stdout.on('data', (d: Buffer) => {
          const lines = (rest + d.toString()).split('\n');
          rest = lines.pop()!;
          for (const line of lines) {
            if (/^\[dev rules\.js [0-9a-f]{8}\] burst \d+ x{4000}$/.test(line)) c.lines++;
            const m = /^\[auth-emulator\] (\d+) log lines? dropped: this follower fell behind$/.exec(line);
            if (m) c.dropped += Number(m[1]);
          }
        });
        return c;
      };
      const liveCount = counts(live);
      const stoppedCount = counts(stopped);
      stopped.child.kill('SIGSTOP');

      const LOGINS = 48;
      const login = { grant_type: 'password', username: 'user@example.com', password: 'pwd', client_id: 'trusted-app', client_secret: 'trusted-app-secret' };
      for (let i = 1; i <= LOGINS; i++) {
        const res = await fetch(`${emulator.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(login) });
        expect(res.status).toBe(200);
        // One login at a time reaches the live follower, so it never falls behind on a busy machine.
        await until(() => liveCount.lines === i * 64, `login ${i}'s lines at the live follower`);
      }
      expect(liveCount.dropped).toBe(0);

      stopped.child.kill('SIGCONT');
      await until(() => stoppedCount.lines + stoppedCount.dropped === LOGINS * 64, 'every line printed or reported dropped');
      expect(stoppedCount.dropped).toBeGreaterThan(0);
      expect(stoppedCount.lines).toBeGreaterThan(0);
    } finally {
      await emulator.close();
    }
  }, 60_000);

  // Issue 10, friction: `logs --tenant nosuch` followed nothing, silently.
  it('--tenant naming no tenant exits 1 naming the tenants there are', async () => {
    const dir = tempDir();
    const config = readFileSync(EXAMPLE_CONFIG, 'utf8').replace('  - name: dev\n', '  - name: other\n    default: true\n    connections: []\n  - name: dev\n');
    const emulator = await createEmulator({ config: writeTemp(dir, 'auth.config.yaml', config), stateDir: false, port: 0 });
    try {
      const follower = start(['logs', '--port', new URL(emulator.url!).port, '--tenant', 'nosuch'], dir);
      expect(await follower.exited).toBe(1);
      expect(follower.err()).toBe('Cannot follow logs: No tenant named "nosuch". This emulator serves: other, dev.\n');
      expect(follower.out()).toBe('');
    } finally {
      await emulator.close();
    }
  });

  it('says so when no emulator is running', async () => {
    const follower = start(['logs', '--port', '1'], tempDir());
    expect(await follower.exited).toBe(1);
    expect(follower.err()).toBe('Cannot reach an emulator at http://127.0.0.1:1. Is it running? Name it with --port and --host.\n');
  });
});
