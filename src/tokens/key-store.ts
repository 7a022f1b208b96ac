/**
 * One RSA signing key per tenant. A key is created once and persisted (PKCS#8 PEM, mode 0600) under the
 * state folder, so tokens stay valid across restarts and reloads; a tenant may name its own PEM instead.
 * `kid` is the RFC 7638 thumbprint. The JWKS body is built from public fields only and precomputed.
 *
 * Each key has a self-signed certificate (the JWK's `x5c`/`x5t`, certificate.ts), kept beside the key in the
 * state folder as keys/<tenant>.crt (for a tenant's own key file too): read at start when it is there and
 * still the key's, else made when the JWK is first read (the first JWKS request), never at start.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, hkdfSync, type KeyObject } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { EmulatorError } from '../errors.js';
import { stateError } from '../store/state-error.js';
import { keptCertificate, makeCertificate, published, toPem } from './certificate.js';
import { rs256Signer, type Signer } from './sign.js';

const generate = promisify(generateKeyPair);

export interface TenantKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly signer: Signer;
  /** 32 bytes derived from the private key: encrypts opaque access tokens (JWE, dir + A256GCM). */
  readonly opaqueKey: Uint8Array;
  /** The published JWK, with the certificate (made on the first read when none was kept). */
  readonly jwk: Readonly<JWK>;
}

export class KeyError extends EmulatorError {}

/**
 * @param tenant names the certificate's subject
 * @param certFile where the certificate is kept (undefined: in memory only)
 */
async function fromPrivateKey(privateKey: KeyObject, tenant: string, certFile: string | undefined): Promise<TenantKey> {
  if (privateKey.asymmetricKeyType !== 'rsa') throw new KeyError('expected an RSA private key (Auth0 signs with RS256)');
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, without whitespace.
  const kid = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const opaqueKey = new Uint8Array(hkdfSync('sha256', der, 'auth-emulator', 'opaque-access-token', 32));
  // A kept certificate that is not this key's (the key file was replaced) or has run out is made again.
  const keptPem = certFile === undefined ? undefined : await readFile(certFile, 'utf8').catch(() => undefined);
  const kept = keptPem === undefined ? undefined : keptCertificate(keptPem, publicKey);
  let jwk: Readonly<JWK> | undefined;
  const certificate = () => {
    if (kept) return published(kept);
    // NOTE(emulator): the subject is `CN=<tenant>.localhost`, the name the emulator serves the tenant at
    // (Auth0's is `CN=<tenant>.auth0.com` or the tenant's regional domain).
    const made = makeCertificate(privateKey, publicKey, `${tenant}.localhost`);
    if (certFile) keepCertificate(certFile, made);
    return published(made);
  };
  return {
    kid,
    privateKey,
    publicKey,
    signer: rs256Signer(privateKey, kid),
    opaqueKey,
    get jwk() {
      // Auth0's key order: kty, use, n, e, kid, x5t, x5c, alg (reference §7.2).
      jwk ??= Object.freeze({ kty: 'RSA', use: 'sig', n: n!, e: e!, kid, ...certificate(), alg: 'RS256' }) as Readonly<JWK>;
      return jwk;
    },
  };
}

/**
 * Writes the certificate (atomically) during the request that first needed it. A state folder that cannot be
 * written keeps it in memory: the next start makes another one (a new `x5t`, the same key and `kid`). That
 * folder already refused the key itself unless the key is the tenant's own file.
 */
function keepCertificate(file: string, der: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, toPem(der), { mode: 0o644 });
    renameSync(tmp, file);
  } catch {
    // kept in memory (above)
  }
}

/**
 * Keys of memory-only emulators, shared by every instance in this process: a test suite that starts an
 * emulator per file pays for RSA key generation once per tenant name, not once per start.
 */
const processKeys = new Map<string, Promise<TenantKey>>();

export class KeyStore {
  readonly #dir: string | undefined;
  readonly #keys = new Map<string, Promise<TenantKey>>();

  /** @param dir where generated keys are kept; undefined keeps them in memory only. */
  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** The tenant's key: from its own key file, else the persisted one, else a new one (then persisted). */
  forTenant(tenant: string, keyFile: string | undefined): Promise<TenantKey> {
    const cacheKey = `${tenant}\n${keyFile ?? ''}`;
    let key = this.#keys.get(cacheKey);
    if (!key) {
      if (keyFile) key = this.#readKeyFile(keyFile, tenant);
      else if (this.#dir) key = this.#loadOrCreate(tenant);
      else {
        key = processKeys.get(tenant) ?? this.#loadOrCreate(tenant);
        processKeys.set(tenant, key);
        key.catch(() => processKeys.delete(tenant));
      }
      this.#keys.set(cacheKey, key);
      key.catch(() => this.#keys.delete(cacheKey));
    }
    return key;
  }

  /** Where the tenant's certificate is kept (undefined without a state folder). */
  #certFile(tenant: string): string | undefined {
    return this.#dir ? join(this.#dir, 'keys', `${tenant}.crt`) : undefined;
  }

  async #readKeyFile(file: string, tenant: string): Promise<TenantKey> {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      throw new KeyError(`cannot read signing key ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
    try {
      return await fromPrivateKey(createPrivateKey(pem), tenant, this.#certFile(tenant));
    } catch (err) {
      throw new KeyError(`${file}: ${(err as Error).message} (expected an RSA private key in PEM form)`);
    }
  }

  async #loadOrCreate(tenant: string): Promise<TenantKey> {
    const file = this.#dir ? join(this.#dir, 'keys', `${tenant}.pem`) : undefined;
    if (file) {
      const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw stateError(this.#dir!, file, err);
      });
      if (existing !== undefined) return this.#readKeyFile(file, tenant);
    }
    const { privateKey } = await generate('rsa', { modulusLength: 2048 });
    if (file) {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await mkdir(join(this.#dir!, 'keys'), { recursive: true, mode: 0o700 });
        await writeFile(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
        await chmod(tmp, 0o600);
        await rename(tmp, file);
      } catch (err) {
        throw stateError(this.#dir!, (err as NodeJS.ErrnoException).path ?? file, err);
      }
    }
    return fromPrivateKey(privateKey, tenant, this.#certFile(tenant));
  }
}

/** A strong ETag for a precomputed body. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
