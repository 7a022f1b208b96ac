/**
 * The server certificate the local CA issues: for `localhost`, the loopback addresses and each tenant's
 * `<tenant>.localhost`. Kept in the state folder (`tls/`), else in memory; made again when a name is missing
 * (a tenant was added), when the CA is another, or when less than a third of its life is left.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { KeyAndCert } from './x509.js';

const LEAF_CERT_FILE = 'cert.pem';
const LEAF_KEY_FILE = 'key.pem';
const RENEW_BEFORE_MS = 30 * 86_400_000;

/** The names a leaf is for: the loopback's, the tenants' subdomains of localhost, and a named --host. */
export function leafNames(tenants: Iterable<string>, host: string | undefined): string[] {
  const names = ['localhost', '127.0.0.1', '::1', ...[...tenants].map((name) => `${name}.localhost`)];
  if (host !== undefined && host !== '0.0.0.0' && host !== '::' && !names.includes(host)) names.push(host);
  return names;
}

/** The kept leaf when it still fits; else a new one (kept when there is a state folder). */
export async function leafFor(ca: KeyAndCert, names: readonly string[], stateDir: string | undefined, now = Date.now()): Promise<KeyAndCert> {
  const dir = stateDir === undefined ? undefined : join(stateDir, 'tls');
  if (dir !== undefined) {
    const kept = await readKept(dir);
    if (kept && fits(kept, ca, names, now)) return kept;
  }
  const { makeLeaf } = await import('./x509.js');
  const leaf = await makeLeaf(ca, names, now);
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeAtomically(join(dir, LEAF_KEY_FILE), leaf.key, 0o600);
    await writeAtomically(join(dir, LEAF_CERT_FILE), leaf.cert, 0o644);
  }
  return leaf;
}

/** Whether `leaf` (its key its own) was issued by `ca`, names every one of `names` and has a third of its life left. */
export function fits(leaf: KeyAndCert, ca: KeyAndCert, names: readonly string[], now = Date.now()): boolean {
  try {
    const cert = new X509Certificate(leaf.cert);
    const issuer = new X509Certificate(ca.cert);
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey) || !cert.checkPrivateKey(createPrivateKey(leaf.key))) return false;
    if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false;
    return names.every((name) => (isIP(name) ? cert.checkIP(name) : cert.checkHost(name, { wildcards: false })) !== undefined);
  } catch {
    return false;
  }
}

async function readKept(dir: string): Promise<KeyAndCert | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(join(dir, LEAF_CERT_FILE), 'utf8'), readFile(join(dir, LEAF_KEY_FILE), 'utf8')]);
    return { cert, key };
  } catch {
    return undefined;
  }
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}
