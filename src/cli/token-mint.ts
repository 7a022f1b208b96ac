/**
 * The `token` command's work: a token response minted through the emulator's pipeline, for the CLI to print.
 *
 * The state folder decides where: a refresh token must live in the store of the emulator that will redeem
 * it. When an emulator is running on the folder (its lock names its URL, store/state-lock.ts), it mints,
 * through its control plane (`POST /__emulator/tokens`), so the refresh token is in its store and the token
 * is stamped by its clock. Otherwise this process takes the folder's lock, mints with the kept key, writes
 * the refresh token to the folder's store and leaves: the next emulator started there redeems it. Either
 * way the issuer is the one --host and --port name (default http://127.0.0.1:4400; https:// when the running
 * emulator serves https there), as before.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfigFile } from '../config/load.js';
import { createEmulator } from '../emulator.js';
import type { ExtensionLogEntry } from '../extensions/sandbox.js';
import { MintError, type MintOptions } from '../grants/mint.js';
import type { TokenResponse } from '../grants/types.js';
import { buildSnapshot, issuerAt, type Snapshot } from '../model/snapshot.js';
import { StateFolderBusy } from '../store/state-lock.js';

export interface TokenCommand {
  readonly configFile: string;
  readonly stateDir: string;
  /** The base URL issuers are built from (--host and --port). */
  readonly baseUrl: string;
  /** --tenant; without it, the config's only (or default) tenant. */
  readonly tenant: string | undefined;
  readonly mint: Omit<MintOptions, 'tenant'>;
  /** What extension code prints, when this process runs it. */
  readonly extensionLog: (entry: ExtensionLogEntry) => void;
}

/** How long to keep trying an emulator that holds the folder but does not answer (it is stopping). */
const STOPPING_MS = 10_000;
/** How long a mint may take at a running emulator (its extensions' own limit is far below). */
const ANSWER_MS = 60_000;

/**
 * @throws MintError (a token that cannot be minted, as the emulator says), StateError (a state folder that
 * cannot be used, or is held by a process that does not listen), ConfigError, KeyError
 */
export async function mintForTokenCommand(command: TokenCommand): Promise<TokenResponse> {
  const deadline = Date.now() + STOPPING_MS;
  for (;;) {
    let emulator;
    try {
      emulator = await createEmulator({ config: command.configFile, stateDir: command.stateDir, baseUrl: command.baseUrl, extensionLog: command.extensionLog });
    } catch (err) {
      if (!(err instanceof StateFolderBusy) || err.holder.url === undefined) throw err;
      const answer = await askRunningEmulator(err.holder.url, command);
      if (answer !== undefined) return answer;
      // It holds the folder but no longer answers: it is stopping, and its lock goes with it.
      if (Date.now() >= deadline) throw err;
      await sleep(100);
      continue;
    }
    try {
      return await emulator.mint({ ...command.mint, tenant: tenantName(emulator.snapshot, command.tenant) });
    } finally {
      await emulator.close();
    }
  }
}

function tenantName(snapshot: Snapshot, asked: string | undefined): string {
  const name = asked ?? snapshot.rootTenant?.name;
  if (name === undefined) throw new MintError(`Name the tenant with --tenant: this config has several (${[...snapshot.tenants.keys()].join(', ')}).`);
  return name;
}

/**
 * A JSON POST to the running emulator. Over https (an emulator started with --https) node:https, trusting the
 * system's CAs and the local CA: fetch cannot be given a CA.
 */
async function post(url: string, body: string): Promise<Response> {
  const headers = { 'content-type': 'application/json' };
  if (!url.startsWith('https:')) return fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(ANSWER_MS) });
  const [{ request }, { rootCertificates }, { readCa }, { caDir }] = await Promise.all([import('node:https'), import('node:tls'), import('../tls/local-ca.js'), import('../tls/ca-dir.js')]);
  const local = await readCa(caDir()).catch(() => undefined);
  const ca = [...rootCertificates, ...(local ? [local.cert] : [])];
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, ca, signal: AbortSignal.timeout(ANSWER_MS) }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(new Response(text, { status: res.statusCode })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The running emulator's answer; undefined when it does not answer (it is stopping). */
async function askRunningEmulator(url: string, command: TokenCommand): Promise<TokenResponse | undefined> {
  const snapshot = buildSnapshot(await loadConfigFile(command.configFile), command.configFile);
  const tenant = tenantName(snapshot, command.tenant);
  const served = snapshot.tenants.get(tenant);
  // The issuer this command stamps, as Emulator.tenants names it at --host and --port (an unknown tenant is
  // left to the emulator to refuse).
  // An emulator serving https there (--https) stamps https issuers.
  const baseUrl = url.startsWith('https:') ? command.baseUrl.replace(/^http:/, 'https:') : command.baseUrl;
  const issuer = command.mint.issuer ?? (served === undefined ? undefined : issuerAt(snapshot, served, baseUrl));
  let res: Response;
  try {
    res = await post(`${url}/__emulator/tokens`, JSON.stringify({ ...command.mint, tenant, ...(issuer === undefined ? {} : { issuer }) }));
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new MintError(`The auth-emulator at ${url}, which holds the state folder, did not answer within ${ANSWER_MS / 1000} s.`);
    return undefined;
  }
  const body = (await res.json().catch(() => ({}))) as Partial<TokenResponse> & { error_description?: string };
  if (res.ok) return body as TokenResponse;
  // The emulator's own refusal of the options (an unknown client, user or audience), as a mint here says it.
  if (res.status === 400 && body.error_description !== undefined) throw new MintError(body.error_description);
  throw new MintError(`The auth-emulator at ${url}, which holds the state folder, did not mint the token (HTTP ${res.status}${body.error_description === undefined ? '' : `: ${body.error_description}`}).`);
}
