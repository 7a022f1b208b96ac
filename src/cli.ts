#!/usr/bin/env node
/**
 * The command line: argument parsing, the banner, signals and exit codes. The only module that touches
 * `process` and `console`; everything else is the programmatic API.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBanner, formatDroppedLine, formatExtensionLine, formatLogLine } from './cli-format.js';
import type { ExtensionLogEntry } from './extensions/sandbox.js';
import { configJsonSchema } from './config/json-schema.js';
import { SCHEMA_PATH, STARTER_CONFIG, STARTER_RULE } from './init-templates.js';
import { ConfigError, loadConfigFile } from './config/load.js';
import { DEMO_CONFIG_FILE, PortInUseError, createEmulator } from './emulator.js';
import { MintError } from './grants/mint.js';
import { KeyError, KeyStore } from './tokens/key-store.js';
import { StateError } from './state/state-error.js';
import { buildSnapshot } from './model/snapshot.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const DEFAULT_CONFIG = 'auth.config.yaml';

const HELP = `auth-emulator ${VERSION}: a local, offline Auth0 look-alike

Usage
  auth-emulator [start] [options]     serve the tenants of the config file
  auth-emulator check [--config F]    validate the config and exit 0 (valid) or 1
  auth-emulator init                  write a commented starter auth.config.yaml, rules.js and the editor
                                      schema (auth.config.schema.json) here
  auth-emulator schema                print the JSON Schema of auth.config.yaml
  auth-emulator logs [--tenant T]     follow what rules, hooks and Actions print in a running emulator
  auth-emulator token --client C [--tenant T] [--user U] [--audience A] [--scope S] [--id-token]
                      [--expires-in SECONDS] [--issuer URL] [--json]
                                      print a signed token from the tenant's kept key, no server needed
                                      (--port/--host name the emulator; default 127.0.0.1:4400); an
                                      emulator running on the state folder mints it (refresh tokens
                                      then live there)
  auth-emulator help                  this help

Options
  -c, --config <file>      config file (default ./${DEFAULT_CONFIG}; without one, a built-in demo)
  -p, --port <n>           port (default 4400, env AUTH_EMULATOR_PORT)
      --host <addr>        interface to bind (default: the loopback, 127.0.0.1 and ::1; env AUTH_EMULATOR_HOST)
      --state-dir <dir>    where keys and refresh tokens are kept (default .auth-emulator/ beside the
                           config, or in the current folder for the built-in demo)
      --log-format <f>     text (default) or json (JSON lines on stdout; the banner goes to stderr)
      --no-watch           do not reload when the config or the files it names change
  -q, --quiet              no request log
  -h, --help               this help
  -v, --version            the version
`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** `--expires-in -5`: a negative number is the option's value, not another option (parseArgs would refuse it). */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d+(\.\d+)?$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function parse() {
  try {
    return parseArgs({
      args: joinNegativeValues(process.argv.slice(2)),
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'state-dir': { type: 'string' },
        'log-format': { type: 'string' },
        tenant: { type: 'string', short: 't' },
        client: { type: 'string' },
        user: { type: 'string' },
        connection: { type: 'string' },
        audience: { type: 'string' },
        scope: { type: 'string' },
        'id-token': { type: 'boolean' },
        'expires-in': { type: 'string' },
        issuer: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        'no-watch': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\nRun auth-emulator --help for the options.`);
  }
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 4400;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) fail(`Invalid port "${raw}": expected a number from 0 to 65535.`);
  return port;
}

/**
 * The config to use: --config (must exist), else ./auth.config.yaml if present, else the demo.
 * `demo` is also true for an unchanged copy of the example config (a fresh clone): its secrets are
 * public, so the banner may print them in a curl that works as pasted.
 */
function configFile(explicit: string | undefined): { file: string; demo: boolean; builtIn: boolean } {
  const chosen = explicit || process.env.AUTH_EMULATOR_CONFIG || undefined;
  // `builtIn`: no config was named or found, so the package's own example is used (state in the current folder).
  const builtIn = chosen === undefined && !existsSync(resolve(DEFAULT_CONFIG));
  const file = chosen !== undefined ? resolve(chosen) : builtIn ? DEMO_CONFIG_FILE : resolve(DEFAULT_CONFIG);
  if (!existsSync(file)) fail(`Config file not found: ${file}`);
  return { file, demo: builtIn || isExampleCopy(file), builtIn };
}

function isExampleCopy(file: string): boolean {
  try {
    return readFileSync(file, 'utf8') === readFileSync(DEMO_CONFIG_FILE, 'utf8');
  } catch {
    return false;
  }
}

async function check(explicit: string | undefined): Promise<void> {
  const { file, builtIn } = configFile(explicit);
  try {
    const loaded = await loadConfigFile(file);
    const { config } = loaded;
    const snapshot = buildSnapshot(loaded, file);
    const keys = new KeyStore(undefined);
    for (const tenant of snapshot.tenants.values()) {
      if (tenant.signingKeyFile) await keys.forTenant(tenant.name, tenant.signingKeyFile);
    }
    const count = (f: (t: (typeof config.tenants)[number]) => number) => config.tenants.reduce((n, t) => n + f(t), 0);
    const users = count((t) => t.connections.reduce((n, c) => n + c.users.length, 0));
    console.log(
      `${builtIn ? 'built-in demo config' : file} is valid: ${config.tenants.length} tenant(s), ${count((t) => t.clients.length)} client(s), ${count((t) => t.apis.length)} API(s), ${users} user(s).`,
    );
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyError) fail(err.message);
    throw err;
  }
}

async function start(values: ReturnType<typeof parse>['values']): Promise<void> {
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') fail(`Invalid --log-format "${logFormat}": expected text or json.`);
  // With --log-format json, stdout carries only JSON lines; the banner goes to stderr.
  const say = logFormat === 'json' ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const port = parsePort(values.port ?? (process.env.AUTH_EMULATOR_PORT || undefined));
  // Unset: the loopback, 127.0.0.1 and ::1 (see Emulator.listen).
  const host = values.host ?? (process.env.AUTH_EMULATOR_HOST || undefined);
  const { file, demo, builtIn } = configFile(values.config);
  // A schema init wrote beside the config follows this version.
  if (!builtIn && existsSync(join(file, '..', SCHEMA_PATH))) writeSchema(join(file, '..'));
  const stateDir = resolve(values['state-dir'] ?? (builtIn ? '.auth-emulator' : join(file, '..', '.auth-emulator')));

  let emulator;
  let broken = false;
  try {
    emulator = await createEmulator({
      config: file,
      stateDir,
      host,
      log: values.quiet ? undefined : (entry) => console.log(formatLogLine(entry, logFormat)),
      // What extension code prints is shown even with --quiet: it is the user's own output.
      extensionLog: (entry) => console.log(formatExtensionLine(entry, logFormat)),
      onError: (err) => console.error('auth-emulator: internal error:', err),
      watch: !values['no-watch'],
      onReload: (event) => {
        const label = relative(process.cwd(), file) || file;
        if (event.ok) say(`${broken ? 'Config is valid again. ' : ''}Reloaded ${label} in ${event.ms} ms: ${event.summary}`);
        else if (event.missing) console.error(`Warning: ${event.error.message}`);
        else console.error(`${event.error.message}\nStill serving the last good config; fix the file and save to reload.`);
        broken = !event.ok;
      },
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyError || err instanceof StateError) fail(err.message);
    throw err;
  }

  // Handlers go in before the server listens, so a signal sent as soon as it is up is a clean stop.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    say('\nStopping...');
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    await emulator.listen(port, host);
  } catch (err) {
    if (err instanceof PortInUseError) {
      const where = err.host === '::1' ? ' on ::1 (the IPv6 loopback) by another program' : '';
      fail(`Port ${err.port} is already in use${where}. Start on another port with --port <n> (or AUTH_EMULATOR_PORT=<n>).`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    fail(`Cannot listen on ${host ?? '127.0.0.1'}:${port} (${code ?? (err as Error).message}). Check --host and --port.`);
  }

  const configLabel = builtIn ? `built-in demo (no ./${DEFAULT_CONFIG} here; this is the example config from README)` : file;
  say(formatBanner({ version: VERSION, snapshot: emulator.snapshot, tenants: emulator.tenants, url: emulator.url!, configLabel, stateDir, demo }));
  if (logFormat === 'json') console.log(JSON.stringify({ time: new Date().toISOString(), event: 'ready', url: emulator.url }));
}

/** Keeps the editor schema beside the config (written by init) in step with this version. */
function writeSchema(dir: string): void {
  const file = join(dir, SCHEMA_PATH);
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  try {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  } catch {
    // A read-only folder: editors lose autocompletion, nothing else.
  }
}

/**
 * The command that started this process, to print one that works here: until auth-emulator is on npm,
 * `npx auth-emulator` works only where it is installed (or inside its clone), `auth-emulator` after `npm link`.
 */
function selfCommand(): string {
  if (process.env.npm_command === 'exec') return 'npx auth-emulator';
  const script = process.argv[1] ?? 'auth-emulator';
  return basename(script) === 'auth-emulator' ? 'auth-emulator' : `node ${relative(process.cwd(), script)}`;
}

function init(): void {
  const files = { [DEFAULT_CONFIG]: STARTER_CONFIG, 'rules.js': STARTER_RULE, [SCHEMA_PATH]: `${JSON.stringify(configJsonSchema(), null, 2)}\n` };
  const existing = Object.keys(files).filter((f) => existsSync(f));
  if (existing.length > 0) {
    const names = existing.length === 1 ? existing[0] : `${existing.slice(0, -1).join(', ')} and ${existing.at(-1)}`;
    fail(`Not overwriting ${names}: remove ${existing.length === 1 ? 'it' : 'them'} or run init in another folder.`);
  }
  for (const [name, content] of Object.entries(files)) writeFileSync(name, content, { flag: 'wx' });
  console.log(
    [
      `Wrote ${DEFAULT_CONFIG}, rules.js and ${SCHEMA_PATH} (for editors: commit it with the config).`,
      `Start the emulator with: ${selfCommand()}`,
      'Add .auth-emulator/ to .gitignore: it holds signing keys and refresh tokens.',
    ].join('\n'),
  );
}

/**
 * Mints a token through the same pipeline as the server: the running emulator's, when one holds the state
 * folder (so that a refresh token is redeemable there), else this process's, with the kept key.
 */
async function token(values: ReturnType<typeof parse>['values']): Promise<void> {
  if (!values.client) fail('Missing --client: the client_id the token is for. Run auth-emulator --help.');
  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
  if (expiresIn !== undefined && !Number.isFinite(expiresIn)) fail(`Invalid --expires-in "${values['expires-in']}": expected seconds.`);
  if (values['id-token'] && !values.user) fail('--id-token needs --user.');
  const { file, builtIn } = configFile(values.config);
  const port = parsePort(values.port ?? (process.env.AUTH_EMULATOR_PORT || undefined));
  const host = values.host ?? (process.env.AUTH_EMULATOR_HOST || '127.0.0.1');
  const scope = values['id-token'] ? (/\bopenid\b/.test(values.scope ?? '') ? values.scope! : `openid ${values.scope ?? ''}`.trim()) : values.scope;
  const { mintForTokenCommand } = await import('./cli/commands/token.js');
  let response;
  try {
    response = await mintForTokenCommand({
      configFile: file,
      stateDir: resolve(values['state-dir'] ?? (builtIn ? '.auth-emulator' : join(file, '..', '.auth-emulator'))),
      baseUrl: `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`,
      tenant: values.tenant,
      mint: {
        client: values.client,
        ...(values.user ? { user: values.user } : {}),
        ...(values.connection ? { connection: values.connection } : {}),
        ...(values.audience ? { audience: values.audience } : {}),
        ...(scope ? { scope } : {}),
        ...(expiresIn !== undefined ? { expiresIn } : {}),
        ...(values.issuer ? { issuer: values.issuer } : {}),
      },
      extensionLog: (entry) => console.error(formatExtensionLine(entry, 'text')),
    });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof KeyError || err instanceof StateError || err instanceof MintError) fail(err.message);
    throw err;
  }
  if (values.json) console.log(JSON.stringify(response, null, 2));
  else console.log(values['id-token'] ? response.id_token : response.access_token);
}

/** Follows a running emulator's extension logs (server-sent events) until it stops or Ctrl-C. */
async function logs(values: ReturnType<typeof parse>['values']): Promise<void> {
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') fail(`Invalid --log-format "${logFormat}": expected text or json.`);
  const port = parsePort(values.port ?? (process.env.AUTH_EMULATOR_PORT || undefined));
  const host = values.host ?? (process.env.AUTH_EMULATOR_HOST || '127.0.0.1');
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `${base}/__emulator/logs${values.tenant ? `?tenant=${encodeURIComponent(values.tenant)}` : ''}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: 'text/event-stream' } });
  } catch {
    fail(`Cannot reach an emulator at ${base}. Is it running? Name it with --port and --host.`);
  }
  if (res.status === 404 && values.tenant) {
    // An unknown tenant: the emulator names the ones it serves.
    const body = (await res.json().catch(() => ({}))) as { error?: string; error_description?: string };
    if (body.error === 'inexistent_tenant') fail(`Cannot follow logs: ${body.error_description}`);
  }
  if (!res.ok || !res.body) fail(`${base} did not offer a log stream (HTTP ${res.status}). Is it an auth-emulator?`);
  process.on('SIGINT', () => process.exit(0));
  console.error(`Following extension logs of ${base}${values.tenant ? ` (tenant ${values.tenant})` : ''}. Ctrl-C to stop.`);
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = event.split('\n');
        const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
        if (data === undefined) continue;
        if (lines.includes('event: dropped')) console.log(formatDroppedLine((JSON.parse(data) as { dropped: number }).dropped, logFormat));
        else console.log(formatExtensionLine(JSON.parse(data) as ExtensionLogEntry, logFormat));
      }
    }
  } catch {
    // The connection dropped: the emulator stopped.
  }
  console.error('The emulator stopped.');
}

const { values, positionals } = parse();
const command = positionals[0] ?? 'start';
if (values.help) console.log(HELP);
else if (values.version) console.log(VERSION);
else if (positionals.length > 1) fail(`Unexpected argument "${positionals[1]}". Run auth-emulator --help.`);
else if (command === 'start') await start(values);
else if (command === 'check') await check(values.config);
else if (command === 'logs') await logs(values);
else if (command === 'init') init();
else if (command === 'token') await token(values);
else if (command === 'schema') console.log(JSON.stringify(configJsonSchema(), null, 2));
else if (command === 'help') console.log(HELP);
else fail(`Unknown command "${command}". Run auth-emulator --help.`);
