/**
 * Listening: node:http servers for the emulator's request listener, with slow-client timeouts, a busy port as
 * one error class, and the loopback on both address families; node:https ones when given a certificate. The
 * one place a socket is opened.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorError } from '../errors.js';

export class PortInUseError extends EmulatorError {
  readonly port: number;
  readonly host: string;
  constructor(port: number, host: string) {
    super(`Port ${port} on ${host} is already in use.`);
    this.port = port;
    this.host = host;
  }
}

/** Slow-client timeouts (@internal: tests shorten them). */
export interface SlowClientTimeouts {
  /** The request's headers must arrive within this (default 10 s). */
  headersMs?: number;
  /** The whole request, body included, within this (default 30 s). */
  requestMs?: number;
}

/** The default host: the loopback, where the emulator also listens on ::1. */
export const DEFAULT_HOST = '127.0.0.1';

export interface Listening {
  readonly servers: Server[];
  /** The base URL, e.g. http://127.0.0.1:4400 (https://… with `tls`) */
  readonly url: string;
}

/** A certificate and its key, PEM: the server speaks TLS. */
export interface TlsIdentity {
  readonly cert: string;
  readonly key: string;
}

/**
 * Listens on `port` (0: a free one). `host` undefined is the loopback: 127.0.0.1 and, on the same port, the
 * IPv6 loopback (::1), so `localhost` reaches the emulator whichever address a client tries first (`curl -6`,
 * Node's resolver); the URL names 127.0.0.1. A machine without IPv6 listens on 127.0.0.1 alone.
 */
export async function listen(handler: RequestListener, port: number, host: string | undefined, timeouts: SlowClientTimeouts = {}, tls?: TlsIdentity): Promise<Listening> {
  const address = host ?? DEFAULT_HOST;
  const headersTimeout = timeouts.headersMs ?? 10_000;
  const requestTimeout = timeouts.requestMs ?? 30_000;
  // A client that stops sending mid-request must not hold a socket forever. Node checks both deadlines every
  // connectionsCheckingInterval, 30 s by default (sockets closed at ~29 s and ~59 s): ten checks per headers
  // timeout make them fire within a tenth of it.
  const options = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(10, headersTimeout / 10) };
  // node:https (and with it node:tls) loads only for TLS: a plain start does not pay for it.
  const https = tls ? await import('node:https') : undefined;
  const serve = (): Server => (https ? https.createServer({ ...options, cert: tls!.cert, key: tls!.key }, handler) : createServer(options, handler));
  for (let attempt = 1; ; attempt++) {
    const servers = [serve()];
    await bind(servers[0]!, port, address);
    const bound = (servers[0]!.address() as AddressInfo).port;
    if (host === undefined) {
      const ipv6 = serve();
      try {
        await bind(ipv6, bound, '::1');
        servers.push(ipv6);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // No IPv6 loopback on this machine: 127.0.0.1 alone.
        if (code !== 'EADDRNOTAVAIL' && code !== 'EAFNOSUPPORT') {
          await closeServers(servers);
          // The free port picked on 127.0.0.1 is another program's on ::1: pick another.
          if (port === 0 && err instanceof PortInUseError && attempt < 5) continue;
          // Another program on ::1 at this port would answer every client that tries ::1 first (`localhost`
          // in a browser, say): refuse to start rather than share `localhost` with it.
          throw err;
        }
      }
    }
    return { servers, url: `${tls ? 'https' : 'http'}://${hostForUrl(address)}:${bound}` };
  }
}

/** Binds one server; a busy port is a PortInUseError. */
function bind(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err));
    server.listen(port, host, () => resolveListen());
  });
}

/** Stops listening and drops every open connection. */
export function closeServers(servers: readonly Server[]): Promise<unknown> {
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    ),
  );
}

/** A host as it appears in a URL: the wildcard addresses as `localhost`, IPv6 in brackets. */
export function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
