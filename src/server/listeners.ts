/**
 * What the emulator listens on: the http servers of `listen`, and with https the certificate served, renewed
 * in place (new connections get the new one), on the same port or on an https port beside http.
 * The certificate code (and node-forge, when a certificate must be made) loads only when https is asked for.
 */
import type { RequestListener, Server } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import type { HttpsOption, ServerCertificate, Where } from '../tls/server-certificate.js';
import { closeServers, listen, type SlowClientTimeouts } from './listen.js';

/** How often a running emulator checks that its certificate is not about to expire. */
const RENEWAL_CHECK_MS = 12 * 3_600_000;

export class Listeners {
  #servers: Server[] = [];
  /** The https servers among #servers. */
  #tlsServers: TlsServer[] = [];
  #url: string | undefined;
  #httpsUrl: string | undefined;
  #tls: ServerCertificate | undefined;
  #renewal: NodeJS.Timeout | undefined;
  /** Where https listens beside http; undefined: https replaces http on the port. */
  readonly #httpsPort: number | undefined;

  constructor(httpsPort: number | undefined) {
    this.#httpsPort = httpsPort;
  }

  /** Serve https from now on, with a certificate naming `where()`, checked against it twice a day. */
  async useHttps(option: Exclude<HttpsOption, false>, where: () => Where, onError: (err: unknown) => void): Promise<void> {
    const { ServerCertificate } = await import('../tls/server-certificate.js');
    this.#tls = await ServerCertificate.create(option, where());
    this.#renewal = setInterval(() => void this.renew(where()).catch(onError), RENEWAL_CHECK_MS).unref();
  }

  /** The base URL, once listening (https://… when https replaces http). */
  get url(): string | undefined {
    return this.#url;
  }

  /** With https, once listening: the https base URL (`url`, or the one on the https port). */
  get httpsUrl(): string | undefined {
    return this.#httpsUrl;
  }

  /** With the local CA: its certificate file, the one clients trust. */
  get caFile(): string | undefined {
    return this.#tls?.caFile;
  }

  get listening(): boolean {
    return this.#servers.length > 0;
  }

  /** Listens on `port`, and with an https port on that one too; resolves with the base URL of `port`. */
  async listen(handler: RequestListener, port: number, host: string | undefined, timeouts: SlowClientTimeouts): Promise<string> {
    const tlsOnPort = this.#tls !== undefined && this.#httpsPort === undefined;
    const { servers, url } = await listen(handler, port, host, timeouts, tlsOnPort ? this.#tls!.current : undefined);
    if (this.#tls && !tlsOnPort) {
      try {
        const beside = await listen(handler, this.#httpsPort!, host, timeouts, this.#tls.current);
        this.#servers = [...servers, ...beside.servers];
        this.#tlsServers = beside.servers as unknown as TlsServer[];
        this.#httpsUrl = beside.url;
      } catch (err) {
        await closeServers(servers);
        throw err;
      }
    } else {
      this.#servers = servers;
      if (tlsOnPort) {
        this.#tlsServers = servers as unknown as TlsServer[];
        this.#httpsUrl = url;
      }
    }
    this.#url = url;
    return url;
  }

  /** A certificate for these names, put in place on the listening https servers (new connections get it). */
  async renew(where: Where): Promise<void> {
    if (!this.#tls || !(await this.#tls.update(where))) return;
    for (const server of this.#tlsServers) server.setSecureContext(this.#tls.current);
  }

  async close(): Promise<void> {
    clearInterval(this.#renewal);
    const servers = this.#servers;
    this.#servers = [];
    this.#tlsServers = [];
    this.#url = undefined;
    this.#httpsUrl = undefined;
    await closeServers(servers);
  }
}
