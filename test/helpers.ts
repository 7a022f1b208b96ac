/**
 * Shared test plumbing: an emulator per test file (in-process on an ephemeral port, keys in memory),
 * supertest against it, and token verification with jose against the JWKS the emulator serves.
 * It listens on a real port (rather than supertest's per-request server) so the issuer, which follows
 * the URL a tenant is reached at, is the same for every request of a test.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import supertest from 'supertest';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/index.js';

export const EXAMPLE_CONFIG = new URL('../auth.config.yaml', import.meta.url).pathname;
export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

export interface TestEmulator {
  emulator: Emulator;
  http: ReturnType<typeof supertest>;
  /** The base URL, e.g. http://127.0.0.1:39211 */
  url: string;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await createEmulator({ config: EXAMPLE_CONFIG, stateDir: false, port: 0, ...options });
  const url = emulator.url!;
  return { emulator, http: supertest(url), url, close: () => emulator.close() };
}

export function tempDir(prefix = 'auth-emulator-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeTemp(dir: string, name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Decodes a JWT payload without verifying (for shape assertions after a verified check). */
export function decode(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Verifies a token with jose against the JWKS served at `<prefix>/.well-known/jwks.json`. */
export async function verifyWithServedJwks(
  http: TestEmulator['http'],
  token: string,
  options: { prefix?: string; issuer?: string; audience?: string } = {},
): Promise<JWTPayload> {
  const res = await http.get(`${options.prefix ?? ''}/.well-known/jwks.json`).expect(200);
  const jwks = createLocalJWKSet(res.body);
  const { payload } = await jwtVerify(token, jwks, {
    algorithms: ['RS256'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  });
  return payload;
}

/** Form-encodes a body the way node-auth0 sends token requests. */
export function form(body: Record<string, string>): string {
  return new URLSearchParams(body).toString();
}

export function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export const TRUSTED = { client_id: 'trusted-app', client_secret: 'trusted-app-secret' } as const;
export const API = 'https://someapi.com/api';

/**
 * A server holding a port on ::1 only, at a port that was free on 127.0.0.1 a moment ago (a port the kernel
 * picks for ::1 may be a client's on 127.0.0.1): what another program listening on `[::1]` looks like.
 */
export async function holdPortOnIpv6Only(): Promise<{ port: number; close(): Promise<void> }> {
  const listen = (server: NetServer, port: number, host: string) =>
    new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  const close = (server: NetServer) => new Promise<void>((r) => server.close(() => r()));
  for (;;) {
    const probe = createNetServer();
    await listen(probe, 0, '127.0.0.1');
    const port = (probe.address() as AddressInfo).port;
    const blocker = createNetServer();
    try {
      await listen(blocker, port, '::1');
      return { port, close: () => close(blocker) };
    } catch {
      // Taken on ::1: another port.
    } finally {
      await close(probe);
    }
  }
}

/** test/fixtures/extensions/rule-held-by-test.js: put it in a tenant's `rules`, then hold its runs with `ruleGate`. */
export const HELD_RULE = fixture('extensions/rule-held-by-test.js');

export interface RuleGate {
  /** Send it as the token request's `gate` parameter. */
  readonly file: string;
  /** Resolves once the request's rule waits at the gate. */
  readonly held: Promise<void>;
  /** Lets the rule go on. */
  open(): void;
}

/** A gate for HELD_RULE: interleavings without timing (the rule waits until the test opens its gate). */
export function ruleGate(emulator: Emulator): RuleGate {
  const file = join(tempDir('auth-emulator-gate-'), 'open');
  const held = new Promise<void>((resolve) => {
    const stop = emulator.onExtensionLog((entry) => {
      if (entry.text !== `held at ${file}`) return;
      stop();
      resolve();
    });
  });
  return { file, held, open: () => writeFileSync(file, '') };
}
