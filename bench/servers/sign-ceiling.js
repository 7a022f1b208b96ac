/**
 * The raw signing ceiling: RS256 JWTs (the typical payload, fresh iat/exp, base64url-encoded as the emulator
 * does) signed with node:crypto's async sign and a pre-imported KeyObject, back to back, with N signatures
 * in flight. A short sweep over N picks the best, which then runs for the full duration. Prints JSON.
 *
 *   node bench/servers/sign-ceiling.js <baseline.json> <seconds>
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** @type {{ pem: string, kid: string, payload: Record<string, unknown> }} */
const input = JSON.parse(readFileSync(/** @type {string} */ (process.argv[2]), 'utf8'));
const seconds = Number(process.argv[3] ?? 3);
const key = createPrivateKey(input.pem);
/** @param {unknown} v */
const b64url = (v) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
const header = b64url({ alg: 'RS256', typ: 'JWT', kid: input.kid });

/** @returns {Promise<string>} */
function signJwt() {
  const iat = Math.floor(Date.now() / 1000);
  const data = `${header}.${b64url({ ...input.payload, iat, exp: iat + 86_400 })}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(data, 'utf8'), key, (err, sig) => (err ? reject(err) : resolve(`${data}.${sig.toString('base64url')}`)));
  });
}

/**
 * Signatures per second with `inFlight` concurrent signers for `ms`.
 * @param {number} inFlight
 * @param {number} ms
 */
async function rate(inFlight, ms) {
  let done = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await signJwt();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

await rate(4, 300); // warm-up
/** @type {Record<string, number>} */
const sweep = {};
for (const n of [1, 2, 4, 8, 32]) sweep[n] = Math.round(await rate(n, 400));
const best = Number(Object.entries(sweep).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 4);
const sigsPerSecond = await rate(best, seconds * 1000);
console.log(JSON.stringify({ sigsPerSecond, inFlight: best, sweep, threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4), cores: availableParallelism() }));
