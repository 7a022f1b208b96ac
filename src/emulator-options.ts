/** What createEmulator takes, and what the emulator says about its tenants. */
import type { ReloadEvent } from './config/reloader.js';
import type { ConfigInput } from './config/schema.js';
import type { ExtensionLogEntry } from './extensions/sandbox.js';
import type { RequestLogEntry } from './http/request-log.js';

export interface EmulatorOptions {
  /** A path to an auth.config.yaml, or a config object of the same shape. Default: the built-in demo. */
  config?: string | ConfigInput;
  /**
   * Where signing keys and refresh tokens are kept. Default: `.auth-emulator/` beside a config file; memory
   * only for a config object or the built-in demo. `false` forces memory only. One emulator at a time uses a
   * folder: another one there makes create() fail with a StateError naming it.
   */
  stateDir?: string | false;
  /** Listen on this port at once (0 picks a free one). Without it nothing listens until `listen()`. */
  port?: number;
  /**
   * Serve TLS. `true`: with a certificate from the local certificate authority, which the emulator makes once
   * per user (in `$AUTH_EMULATOR_CA_DIR`, else `$XDG_DATA_HOME/auth-emulator/ca` or
   * `~/.local/share/auth-emulator/ca`) and which issues a certificate for `localhost`, `127.0.0.1`, `::1` and
   * each `<tenant>.localhost`. `{ cert, key }`: your own certificate and key (PEM text). Without `httpsPort`,
   * https replaces http on the port; with it, http stays on the port and https is served on `httpsPort`.
   */
  https?: boolean | { cert: string | Buffer; key: string | Buffer };
  /** With `https`: the port of the https listener beside plain http (0 picks a free one). */
  httpsPort?: number;
  /** Interface to bind. Default: the loopback (127.0.0.1, and ::1 beside it): the emulator is for this machine only. */
  host?: string;
  /**
   * The base URL issuers are built from when there is no request to take it from (minted tokens, `tenants`)
   * and nothing listens yet. Default: the listening URL, else http://127.0.0.1:4400.
   */
  baseUrl?: string;
  /** Receives one entry per request. */
  log?: (entry: RequestLogEntry) => void;
  /** Receives what rules, hooks and Actions print (console.*) and the summary of what they changed. */
  extensionLog?: (entry: ExtensionLogEntry) => void;
  /** Receives unexpected errors (bugs): the client got a 500 without details. */
  onError?: (err: unknown) => void;
  /** Milliseconds since the epoch; tokens are stamped and checked with it. */
  clock?: () => number;
  /** Watch the config file and the files it names, and reload on every change (default false). */
  watch?: boolean;
  /** Hears about every reload: what changed, or why the last good config is still serving. */
  onReload?: (event: ReloadEvent) => void;
  /** @internal false sends every request through koa, bypassing the fast lane (for the lane's parity test). */
  fastLane?: boolean;
}

/** Where a tenant is served: its issuer and the URLs SDKs ask for. */
export interface TenantInfo {
  readonly name: string;
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly jwksUri: string;
  readonly discoveryUrl: string;
}
