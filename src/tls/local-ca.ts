/**
 * The local certificate authority: made once (on the first `--https`) and kept in caDir(), the key readable by
 * its owner only. Two emulators starting at once for the first time both make one; the first to move its
 * folder into place wins and the other reads that one, so every process serves under the same CA.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EmulatorError } from '../errors.js';
import { CA_CERT_FILE, CA_KEY_FILE } from './ca-dir.js';
import type { KeyAndCert } from './x509.js';

export class CaError extends EmulatorError {}

/** The CA kept in `dir`, made there first if there is none. */
export async function loadOrCreateCa(dir: string): Promise<KeyAndCert> {
  const kept = await readCa(dir);
  if (kept) return kept;
  const { makeCa } = await import('./x509.js');
  const ca = await makeCa();
  await mkdir(dirname(dir), { recursive: true });
  // Written beside its place under another name, then renamed whole: nobody reads half a CA.
  const tmp = await mkdtemp(join(dirname(dir), `.${basename(dir)}-`));
  try {
    await writeFile(join(tmp, CA_KEY_FILE), ca.key, { mode: 0o600 });
    await writeFile(join(tmp, CA_CERT_FILE), ca.cert, { mode: 0o644 });
    await rename(tmp, dir);
    return ca;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    // Another process put its CA there first (or the folder exists with files in it): that one is used.
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      const theirs = await readCa(dir);
      if (theirs) return theirs;
    }
    throw new CaError(`Cannot create the local certificate authority in ${dir} (${code ?? (err as Error).message}). Set AUTH_EMULATOR_CA_DIR to a writable folder.`);
  }
}

/** The CA in `dir`; undefined when it has none. A half or broken one is an error, not replaced silently. */
export async function readCa(dir: string): Promise<KeyAndCert | undefined> {
  const [cert, key] = await Promise.all([readIfThere(join(dir, CA_CERT_FILE)), readIfThere(join(dir, CA_KEY_FILE))]);
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new CaError(`The local certificate authority in ${dir} is incomplete (${cert === undefined ? CA_CERT_FILE : CA_KEY_FILE} is missing). Remove the folder to make a new one (and trust the new one).`);
  try {
    if (!new X509Certificate(cert).ca) throw new Error('not a CA certificate');
  } catch (err) {
    throw new CaError(`${join(dir, CA_CERT_FILE)} is not a CA certificate (${(err as Error).message}). Remove the folder to make a new one.`);
  }
  return { cert, key };
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
