/** `auth-emulator logs`: follows what a running emulator's extension code prints (its server-sent events). */
import type { ExtensionLogEntry } from '../../extensions/sandbox.js';
import { fail, portOption, type Values } from '../args.js';
import { formatDroppedLine, formatExtensionLine } from '../format.js';

/** Follows a running emulator's extension logs (server-sent events) until it stops or Ctrl-C. */
export async function run(values: Values): Promise<void> {
  const logFormat = values['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') fail(`Invalid --log-format "${logFormat}": expected text or json.`);
  const port = portOption(values);
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
