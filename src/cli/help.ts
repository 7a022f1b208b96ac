import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG } from './args.js';

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const HELP = `auth-emulator ${VERSION}: a local, offline Auth0 look-alike

Usage
  auth-emulator [start] [options]     serve the tenants of the config file
  auth-emulator check [--config F]    validate the config and exit 0 (valid) or 1
  auth-emulator init                  write a commented starter auth.config.yaml, rules.js and the editor
                                      schema (auth.config.schema.json) here
  auth-emulator schema                print the JSON Schema of auth.config.yaml
  auth-emulator logs [--tenant T]     follow what rules, hooks and Actions print in a running emulator
  auth-emulator token --client C [--tenant T] [--user U] [--audience A] [--scope S] [--id-token]
                      [--expires-in SECONDS] [--issuer URL] [--json]
                                      print a signed token from the tenant's kept key, no server needed
                                      (--port/--host name the emulator; default 127.0.0.1:4400); an
                                      emulator running on the state folder mints it (refresh tokens
                                      then live there)
  auth-emulator ca                    print where the local certificate authority (--https) is kept and
                                      how to trust it (Node, Python, the system, browsers)
  auth-emulator help                  this help

Options
  -c, --config <file>      config file (default ./${DEFAULT_CONFIG}; without one, a built-in demo)
  -p, --port <n>           port (default 4400, env AUTH_EMULATOR_PORT)
      --host <addr>        interface to bind (default: the loopback, 127.0.0.1 and ::1; env AUTH_EMULATOR_HOST)
      --state-dir <dir>    where keys and refresh tokens are kept (default .auth-emulator/ beside the
                           config, or in the current folder for the built-in demo)
      --https              serve https on --port instead of http, with a certificate from the local CA
      --https-port <n>     serve https on this port too, plain http staying on --port (implies --https)
      --tls-cert <file>    with --tls-key: serve https with your own certificate and key (PEM) instead
      --tls-key <file>
      --log-format <f>     text (default) or json (JSON lines on stdout; the banner goes to stderr)
      --no-watch           do not reload when the config or the files it names change
  -q, --quiet              no request log
  -h, --help               this help
  -v, --version            the version
`;
