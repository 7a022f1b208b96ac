/**
 * One RSA signing key per tenant. A key is created once and persisted (PKCS#8 PEM, mode 0600) under the
 * state folder, so tokens stay valid across restarts and reloads; a tenant may name its own PEM instead.
 * `kid` is the RFC 7638 thumbprint. The JWKS body is built from public fields only and precomputed.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, hkdfSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { EmulatorError } from '../errors.js';
import { stateError } from '../store/state-error.js';
import { rs256Signer, type Signer } from './sign.js';

const generate = promisify(generateKeyPair);

export interface TenantKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly signer: Signer;
  /** 32 bytes derived from the private key: encrypts opaque access tokens (JWE, dir + A256GCM). */
  readonly opaqueKey: Uint8Array;
  readonly jwk: Readonly<JWK>;
}

export class KeyError extends EmulatorError {}

async function fromPrivateKey(privateKey: KeyObject): Promise<TenantKey> {
  if (privateKey.asymmetricKeyType !== 'rsa') throw new KeyError('expected an RSA private key (Auth0 signs with RS256)');
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, without whitespace.
  const kid = createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const opaqueKey = new Uint8Array(hkdfSync('sha256', der, 'auth-emulator', 'opaque-access-token', 32));
  return {
    kid,
    privateKey,
    publicKey,
    signer: rs256Signer(privateKey, kid),
    opaqueKey,
    // Auth0's key order: kty, use, n, e, kid, (x5t, x5c), alg (reference §7.2).
    jwk: Object.freeze({ kty: 'RSA', use: 'sig', n: n!, e: e!, kid, alg: 'RS256' }),
  };
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
      if (keyFile) key = this.#readKeyFile(keyFile);
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

  async #readKeyFile(file: string): Promise<TenantKey> {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (err) {
      throw new KeyError(`cannot read signing key ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
    try {
      return await fromPrivateKey(createPrivateKey(pem));
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
      if (existing !== undefined) return this.#readKeyFile(file);
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
    return fromPrivateKey(privateKey);
  }
}

/** A strong ETag for a precomputed body. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
