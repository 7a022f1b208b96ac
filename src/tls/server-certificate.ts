/**
 * The certificate an https listener serves: the user's own (`https: { cert, key }`, used as given), or a leaf
 * from the local CA (`https: true`), made again when the tenants change and before it expires.
 */
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { EmulatorError } from '../errors.js';
import { CA_CERT_FILE, caDir } from './ca-dir.js';
import { fits, leafFor, leafNames } from './leaf.js';
import { loadOrCreateCa } from './local-ca.js';
import type { KeyAndCert } from './x509.js';

/** EmulatorOptions.https: `true` for a certificate from the local CA, or the user's own PEM certificate and key. */
export type HttpsOption = boolean | { cert: string | Buffer; key: string | Buffer };

export class TlsError extends EmulatorError {}

export interface Where {
  tenants: Iterable<string>;
  host: string | undefined;
  stateDir: string | undefined;
}

export class ServerCertificate {
  #current: KeyAndCert;
  readonly #ca: KeyAndCert | undefined;
  /** The CA's certificate file; undefined for the user's own certificate. */
  readonly caFile: string | undefined;

  private constructor(current: KeyAndCert, ca: KeyAndCert | undefined, dir: string | undefined) {
    this.#current = current;
    this.#ca = ca;
    this.caFile = dir === undefined ? undefined : join(dir, CA_CERT_FILE);
  }

  static async create(option: Exclude<HttpsOption, false>, where: Where): Promise<ServerCertificate> {
    if (option !== true) {
      const own = { cert: String(option.cert), key: String(option.key) };
      try {
        // Refuses a key that is not the certificate's, or either not PEM.
        createSecureContext(own);
      } catch (err) {
        throw new TlsError(`The TLS certificate and key cannot be used together (${(err as Error).message}).`);
      }
      return new ServerCertificate(own, undefined, undefined);
    }
    const dir = caDir();
    const ca = await loadOrCreateCa(dir);
    return new ServerCertificate(await leafFor(ca, leafNames(where.tenants, where.host), where.stateDir), ca, dir);
  }

  /** The certificate and key (PEM) to serve. */
  get current(): KeyAndCert {
    return this.#current;
  }

  /** Makes a new leaf if the names changed or this one nears its end; true when it did. The user's own never changes. */
  async update(where: Where): Promise<boolean> {
    if (!this.#ca) return false;
    const names = leafNames(where.tenants, where.host);
    if (fits(this.#current, this.#ca, names)) return false;
    const next = await leafFor(this.#ca, names, where.stateDir);
    if (next.cert === this.#current.cert) return false;
    this.#current = next;
    return true;
  }
}
