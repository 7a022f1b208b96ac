/**
 * Runs the examples as tests (`npm run test:examples`, after a build): README's "Use in tests" snippets must be
 * excerpts of these files and its shell block must run; then the TypeScript examples typecheck, and the vitest,
 * jest and Playwright suites pass, and so do the browser apps' Playwright tests (spa, express: Debian's Chromium). `node examples/run.js jest` runs only the steps whose name contains "jest".
 * The examples import 'auth-emulator' by the package's own name, which Node resolves to this package's dist/.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createEmulator } from 'auth-emulator';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** README's blocks that start with `// examples/<file>`: each part between `// …` lines must be in that file. */
async function readmeSnippets() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use in tests'), readme.indexOf('\n## ', readme.indexOf('## Use in tests') + 1));
  const blocks = [...section.matchAll(/```(ts|js|sh)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
  let checked = 0;
  for (const { text } of blocks) {
    const header = /^\/\/ (examples\/\S+)\n/.exec(text);
    if (!header) continue;
    const file = readFileSync(join(root, header[1]), 'utf8');
    const parts = text.slice(header[0].length).split(/^ *\/\/ …\n/m).filter((p) => p.trim() !== '');
    for (const part of parts) {
      if (!file.includes(part)) throw new Error(`README's snippet of ${header[1]} is not in that file:\n${part}`);
    }
    checked++;
  }
  if (checked < 5) throw new Error(`expected README's "Use in tests" to quote at least 5 example files, found ${checked}`);
  // The control-plane block runs against the built-in demo config, as README's curl examples do.
  const shell = blocks.filter((b) => b.lang === 'sh');
  if (shell.length === 0) throw new Error('expected a shell block in "Use in tests"');
  const emulator = await createEmulator({ port: 0, stateDir: false });
  try {
    for (const { text } of shell) {
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', text.replaceAll('http://127.0.0.1:4400', emulator.url)], { timeout: 15_000 });
      // An unexpected Auth0 error body (curl prints it raw) or no output at all means the block is broken.
      if (/^\{"error"/m.test(stdout) || stdout.trim() === '') throw new Error(`README's control-plane block printed:\n${stdout}`);
    }
  } finally {
    await emulator.close();
  }
  return `${checked} snippets match their files, ${shell.length} shell block(s) ran`;
}

function command(cmd, args) {
  return () =>
    new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => (code === 0 ? resolve('') : reject(new Error(`${cmd} ${args.join(' ')}: ${signal ?? `exit ${code}`}`))));
    });
}

const steps = [
  ['README snippets', readmeSnippets],
  ['typecheck', command(bin('tsc'), ['-p', 'examples/tsconfig.json'])],
  ['vitest', command(bin('vitest'), ['run', '--root', 'examples/vitest'])],
  // jest runs native ES modules behind Node's flag (no transform).
  ['jest', command(process.execPath, ['--experimental-vm-modules', join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '-c', 'examples/jest/jest.config.js'])],
  ['playwright', command(bin('playwright'), ['test', '-c', 'examples/playwright'])],
  // The sign-in apps: each config starts the emulator (the CLI) and the app on fixed ports, so one at a time.
  ['spa', command(bin('playwright'), ['test', '-c', 'examples/spa'])],
  ['express', command(bin('playwright'), ['test', '-c', 'examples/express'])],
];

const only = process.argv.slice(2);
const results = [];
for (const [name, run] of steps.filter(([name]) => only.length === 0 || only.some((o) => name.includes(o)))) {
  console.log(`\n── ${name}`);
  const started = performance.now();
  try {
    const note = await run();
    results.push({ name, ok: true, ms: performance.now() - started, note });
  } catch (err) {
    results.push({ name, ok: false, ms: performance.now() - started, note: err instanceof Error ? err.message : String(err) });
  }
}

console.log('\n── examples');
for (const { name, ok, ms, note } of results) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(16)} ${(ms / 1000).toFixed(1).padStart(5)} s  ${note}`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
