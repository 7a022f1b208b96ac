/**
 * The command line's arguments and the choices every command shares (port, config file). Loads nothing of the
 * emulator: `--help`, `--version` and `logs` start without the config stack.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_CONFIG_FILE } from '../config/demo.js';

export const DEFAULT_CONFIG = 'auth.config.yaml';

export function fail(message: string): never {
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

export function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: joinNegativeValues(argv),
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'state-dir': { type: 'string' },
        https: { type: 'boolean' },
        'https-port': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
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

export function parsePort(raw: string | undefined): number {
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
export function configFile(explicit: string | undefined): { file: string; demo: boolean; builtIn: boolean } {
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

export type Values = ReturnType<typeof parseCommandLine>['values'];

/** The port from --port or AUTH_EMULATOR_PORT (default 4400). */
export const portOption = (values: Values) => parsePort(values.port ?? (process.env.AUTH_EMULATOR_PORT || undefined));

/**
 * The https options: `--https` (a certificate from the local CA), `--tls-cert`/`--tls-key` (the user's own
 * files; they imply --https), and `--https-port` (https on that port, plain http staying on --port).
 */
export function httpsOptions(values: Values): { https?: true | { cert: string; key: string }; httpsPort?: number } {
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) fail(`--tls-cert and --tls-key go together: give both, or neither (the local CA's certificate is used then).`);
  const httpsPort = values['https-port'] === undefined ? undefined : parsePort(values['https-port']);
  if (certFile !== undefined && keyFile !== undefined) return { https: { cert: readOption('--tls-cert', certFile), key: readOption('--tls-key', keyFile) }, httpsPort };
  return values.https || httpsPort !== undefined ? { https: true, httpsPort } : {};
}

function readOption(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    fail(`Cannot read ${option} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
}

/** The state folder: --state-dir, else .auth-emulator/ beside the config (in the current folder for the built-in demo). */
export const stateDirOption = (values: Values, file: string, builtIn: boolean) =>
  resolve(values['state-dir'] ?? (builtIn ? '.auth-emulator' : join(file, '..', '.auth-emulator')));
