/**
 * The built CLI (`node dist/cli.js`, so `npm run build` first) in a child process on a config and a state
 * folder, for the tests that kill it with SIGKILL and start it again on the same folder, and for start-up
 * errors. Every process started here is killed by `killAll()` (call it in afterEach/afterAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';

export const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

const live = new Set<ChildProcess>();

export interface ChildEmulator {
  readonly child: ChildProcess;
  readonly pid: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  output(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean stop), resolved with the exit code. */
  stop(): Promise<number | null>;
}

/** The parent's environment without AUTH_EMULATOR_* variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AUTH_EMULATOR_')) env[k] = v;
  return env;
}

/** Runs the CLI with `args` and `command` (default: node) in front, and collects what it prints. */
function run(args: string[], cwd: string, command: string[] = []): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [file, ...pre] = [...command, process.execPath];
  const child = spawn(file!, [...pre, CLI, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => out, exited };
}

/**
 * Starts `auth-emulator --config <config> --state-dir <stateDir> --port 0 --no-watch` and waits for its
 * Ready line. `wrap` goes in front of node (e.g. `prlimit …`).
 */
export async function startChild(config: string, stateDir: string, o: { quiet?: boolean; wrap?: string[] } = {}): Promise<ChildEmulator> {
  const args = ['--config', config, '--state-dir', stateDir, '--port', '0', '--no-watch', ...(o.quiet === false ? [] : ['--quiet'])];
  const { child, output, exited } = run(args, dirname(config), o.wrap);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no Ready line within 15 s:\n${output()}`)), 15_000);
    const onData = () => {
      const m = /Ready on (http:\/\/\S+)/.exec(output());
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!.replace(/\/+$/, ''));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output()}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    url,
    output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the CLI to its end (a start-up that fails); resolves with its exit code and everything it printed. */
export async function runToExit(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const { output, exited, child } = run(args, cwd);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output() };
}

export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
