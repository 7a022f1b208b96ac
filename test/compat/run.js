/**
 * The compatibility matrix (`npm run compat` builds, then runs this): each file in rows/ is one library used as its docs
 * tell an Auth0 user to use it, run against one emulator. Resource-server rows must accept a user token and a
 * machine token and reject a wrong audience, an expired token, a tampered signature and an ID token; client
 * rows run the grants they support and throw on anything unexpected. Rows marked `needs = 'https'` (SDKs that
 * build https://<domain> URLs) run in a child process (https-row.js) that trusts only the emulator's CA.
 *
 * README's table (between the compat markers) is generated from the run: `npm run compat -- --write` rewrites
 * it, and without --write a table that differs from the run fails it. `node test/compat/run.js jose` runs only
 * the rows whose file name contains "jose" (and then neither writes nor checks the table).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPECTED, startCompatEmulator } from './setup.js';

const root = join(import.meta.dirname, '..', '..');
const README = join(root, 'README.md');
const START = '<!-- compat:start -->';
const END = '<!-- compat:end -->';

/** The installed version of an npm package (an alias such as auth0-7 is its own folder) or a Debian package. */
function version(pkg) {
  if (pkg.startsWith('debian:')) return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg.slice('debian:'.length)], { encoding: 'utf8' });
  return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** The package's own name (an alias's folder holds the real package), or the Debian package's. */
function label(pkg) {
  if (pkg.startsWith('debian:')) return `${pkg.slice('debian:'.length)} (Debian)`;
  return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).name;
}

const versions = (row) => row.packages.map((p) => `${label(p)} ${version(p)}`).join(', ');

/** A row that needs https runs in a child process that trusts the emulator's CA (NODE_EXTRA_CA_CERTS). */
function runOverHttps(file, ctx) {
  const { emulator, tokens, ...plain } = ctx;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(import.meta.dirname, 'https-row.js'), file], { env: { ...process.env, NODE_EXTRA_CA_CERTS: ctx.https.caFile }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${file}: ${stderr.trim() || err.message}`));
      const { ok, note } = JSON.parse(stdout);
      return ok ? resolve(note) : reject(new Error(note));
    });
    child.stdin.end(JSON.stringify(plain));
  });
}

async function runResourceServer(row, ctx) {
  const server = await row.resourceServer(ctx);
  try {
    // A row checks one token at a time (accepts) or, when each run is costly (a Python process), all at once.
    const accepted = server.acceptsAll ? await server.acceptsAll(ctx.tokens) : {};
    if (!server.acceptsAll) for (const [name, token] of Object.entries(ctx.tokens)) accepted[name] = await server.accepts(token);
    const wrong = [];
    for (const name of Object.keys(ctx.tokens)) {
      if (accepted[name] !== EXPECTED[name]) wrong.push(`${EXPECTED[name] ? 'rejected' : 'accepted'} ${name}`);
    }
    if (wrong.length) throw new Error(wrong.join(', '));
    return 'user and machine tokens accepted; wrong audience, expired, tampered, ID token rejected';
  } finally {
    await server.close?.();
  }
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const write = process.argv.includes('--write');
const files = readdirSync(join(import.meta.dirname, 'rows'))
  .filter((f) => f.endsWith('.js'))
  .sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

const started = performance.now();
const caDir = mkdtempSync(join(tmpdir(), 'compat-ca-'));
const ctx = await startCompatEmulator(caDir);
const results = [];
try {
  for (const file of files) {
    const row = await import(join(import.meta.dirname, 'rows', file));
    const t0 = performance.now();
    let ok = true;
    let note;
    try {
      if (row.needs === 'https') note = await runOverHttps(file, ctx);
      else note = row.resourceServer ? await runResourceServer(row, ctx) : `${(await row.client(ctx)).join(', ')}`;
    } catch (err) {
      ok = false;
      note = err instanceof Error ? err.message : String(err);
    }
    results.push({ library: row.library, versions: versions(row), settings: row.settings, ok, note, ms: performance.now() - t0 });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${row.library} (${Math.round(performance.now() - t0)} ms): ${note}`);
  }
} finally {
  await ctx.emulator.close();
  rmSync(caDir, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length}/${results.length} rows pass in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const cell = (text) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const table = [
  '| Library | Version | Settings against the emulator | Result |',
  '|---|---|---|---|',
  ...results.map((r) => `| ${cell(r.library)} | ${cell(r.versions)} | ${cell(r.settings)} | ${r.ok ? 'passes' : 'fails'}: ${cell(r.note)} |`),
].join('\n');

if (only.length === 0) {
  const readme = readFileSync(README, 'utf8');
  const [before, rest] = readme.split(START);
  if (rest === undefined || !rest.includes(END)) throw new Error(`README.md has no ${START} … ${END} section`);
  const after = rest.slice(rest.indexOf(END));
  const updated = `${before}${START}\n${table}\n${after}`;
  if (write) {
    writeFileSync(README, updated);
    console.log('README.md: table written');
  } else if (updated !== readme) {
    console.error('README.md: the compatibility table differs from this run; `npm run compat -- --write` updates it');
    process.exitCode = 1;
  }
}
if (failed.length) process.exitCode = 1;
