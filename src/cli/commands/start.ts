/** `auth-emulator [start]`: serves the config's tenants until Ctrl-C, with the banner and the request log. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { configJsonSchema } from '../../config/json-schema.js';
import { PortInUseError, createEmulator } from '../../emulator.js';
import { failIfKnown } from '../known-errors.js';
import { configFile, DEFAULT_CONFIG, fail, httpsOptions, portOption, stateDirOption, type Values } from '../args.js';
import { formatBanner, formatExtensionLine, formatLogLine } from '../format.js';
import { VERSION } from '../help.js';
import { SCHEMA_PATH } from '../templates.js';

export async function run(values: Values): Promise<void> {
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') fail(`Invalid --log-format "${logFormat}": expected text or json.`);
  // With --log-format json, stdout carries only JSON lines; the banner goes to stderr.
  const say = logFormat === 'json' ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const port = portOption(values);
  // Unset: the loopback, 127.0.0.1 and ::1 (see Emulator.listen).
  const host = values.host ?? (process.env.AUTH_EMULATOR_HOST || undefined);
  const { file, demo, builtIn } = configFile(values.config);
  // A schema init wrote beside the config follows this version.
  if (!builtIn && existsSync(join(file, '..', SCHEMA_PATH))) writeSchema(join(file, '..'));
  const stateDir = stateDirOption(values, file, builtIn);
  const https = httpsOptions(values);

  let emulator;
  let broken = false;
  try {
    emulator = await createEmulator({
      config: file,
      stateDir,
      host,
      ...https,
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
    failIfKnown(err);
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
      const option = https.httpsPort === err.port ? '--https-port <n>' : '--port <n> (or AUTH_EMULATOR_PORT=<n>)';
      fail(`Port ${err.port} is already in use${where}. Start on another port with ${option}.`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    fail(`Cannot listen on ${host ?? '127.0.0.1'}:${port} (${code ?? (err as Error).message}). Check --host and --port.`);
  }

  const configLabel = builtIn ? `built-in demo (no ./${DEFAULT_CONFIG} here; this is the example config from README)` : file;
  say(formatBanner({ version: VERSION, snapshot: emulator.snapshot, tenants: emulator.tenants, url: emulator.url!, httpsUrl: emulator.httpsUrl, caFile: emulator.caFile, configLabel, stateDir, demo }));
  if (logFormat === 'json') console.log(JSON.stringify({ time: new Date().toISOString(), event: 'ready', url: emulator.url, ...(emulator.httpsUrl ? { httpsUrl: emulator.httpsUrl } : {}) }));
}


/** Keeps the editor schema beside the config (written by init) in step with this version. */
export function writeSchema(dir: string): void {
  const file = join(dir, SCHEMA_PATH);
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  try {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  } catch {
    // A read-only folder: editors lose autocompletion, nothing else.
  }
}
