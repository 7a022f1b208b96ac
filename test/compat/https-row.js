/**
 * Runs one client row over https in a process of its own, started by run.js with NODE_EXTRA_CA_CERTS set to the
 * emulator's CA (Node reads it only at start-up): the SDK trusts that CA and nothing else is changed.
 * `node https-row.js <row file>`, the context as JSON on stdin; prints `{ ok, note }` as JSON.
 */
import { join } from 'node:path';
import { text } from 'node:stream/consumers';

const ctx = JSON.parse(await text(process.stdin));
const row = await import(join(import.meta.dirname, 'rows', process.argv[2]));
try {
  const done = await row.client(ctx);
  console.log(JSON.stringify({ ok: true, note: done.join(', ') }));
} catch (err) {
  // fetch's "fetch failed" says why only in its cause (e.g. an untrusted certificate).
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  console.log(JSON.stringify({ ok: false, note: err instanceof Error ? `${err.name}: ${err.message}${cause}` : String(err) }));
}
