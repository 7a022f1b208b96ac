/**
 * Issue 13: `https` serves TLS with a certificate from a local certificate authority (kept per user, its key
 * 0600) or the user's own, alone on the port or beside plain http. Real TLS connections from clients that trust
 * only that CA.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/index.js';
import { makeCa, makeLeaf } from '../src/tls/x509.js';
import { API, EXAMPLE_CONFIG, tempDir } from './helpers.js';

const CA_DIR_BEFORE = process.env.AUTH_EMULATOR_CA_DIR;
let caDir: string;
beforeAll(() => {
  caDir = join(tempDir('auth-emulator-ca-'), 'ca');
  process.env.AUTH_EMULATOR_CA_DIR = caDir;
});
afterAll(() => {
  if (CA_DIR_BEFORE === undefined) delete process.env.AUTH_EMULATOR_CA_DIR;
  else process.env.AUTH_EMULATOR_CA_DIR = CA_DIR_BEFORE;
});

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function start(options: EmulatorOptions): Promise<Emulator> {
  const emulator = await createEmulator({ config: EXAMPLE_CONFIG, stateDir: false, port: 0, ...options });
  running.push(emulator);
  return emulator;
}

const caCert = () => readFileSync(join(caDir, 'ca.pem'), 'utf8');

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** A request over TLS that trusts `ca` only (not the system's CAs). */
function call(url: string, ca: string, init: { method?: string; json?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = init.json === undefined ? undefined : JSON.stringify(init.json);
    const req = request(url, { method: init.method ?? 'GET', ca, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text.startsWith('{') ? JSON.parse(text) : text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The certificate the server presents for `servername` at 127.0.0.1:port, checked against `ca`. */
function peerCertificate(port: number, servername: string, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca }, () => {
      const cert = socket.getPeerX509Certificate()!;
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('https with the local CA', () => {
  it('serves discovery and tokens over https to a client that trusts only the CA; issuers follow the https URL', async () => {
    const emulator = await start({ https: true });
    const port = portOf(emulator.url!);
    expect(emulator.url).toBe(`https://127.0.0.1:${port}`);
    expect(emulator.httpsUrl).toBe(emulator.url);
    expect(emulator.caFile).toBe(join(caDir, 'ca.pem'));
    const ca = caCert();

    const discovery = await call(`https://localhost:${port}/.well-known/openid-configuration`, ca);
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({ issuer: `https://localhost:${port}/`, token_endpoint: `https://localhost:${port}/oauth/token`, jwks_uri: `https://localhost:${port}/.well-known/jwks.json` });

    const token = await call(`https://localhost:${port}/oauth/token`, ca, {
      method: 'POST',
      json: { grant_type: 'password', username: 'user@example.com', password: 'pwd', audience: API, scope: 'openid', client_id: 'trusted-app', client_secret: 'trusted-app-secret' },
    });
    expect(token.status).toBe(200);
    const jwks = (await call(`https://localhost:${port}/.well-known/jwks.json`, ca)).body as JSONWebKeySet;
    const { payload } = await jwtVerify((token.body as { access_token: string }).access_token, createLocalJWKSet(jwks), { issuer: `https://localhost:${port}/`, audience: API });
    expect(payload.sub).toMatch(/^auth0\|/);

    // On the IPv6 loopback too, and at the tenant's subdomain.
    expect((await call(`https://[::1]:${port}/dev/.well-known/openid-configuration`, ca)).body).toMatchObject({ issuer: `https://[::1]:${port}/dev/` });
    // A client that does not trust the CA is refused by its own TLS check.
    await expect(call(`https://localhost:${port}/.well-known/openid-configuration`, '')).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it('koa sees https on the TLS sockets too (the fast lane off): issuers, and so Secure cookies, follow', async () => {
    const emulator = await start({ https: true, fastLane: false });
    const port = portOf(emulator.url!);
    const discovery = await call(`https://localhost:${port}/dev/.well-known/openid-configuration`, caCert());
    expect(discovery.body).toMatchObject({ issuer: `https://localhost:${port}/dev/` });
  });

  it('the certificate names localhost, 127.0.0.1, ::1 and each <tenant>.localhost, issued by the CA', async () => {
    const emulator = await start({ https: true, config: join(import.meta.dirname, 'fixtures', 'multi-tenant.yaml') });
    const ca = caCert();
    const leaf = await peerCertificate(portOf(emulator.url!), 'localhost', ca);
    expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:acme.localhost, DNS:globex.localhost');
    expect(leaf.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(new X509Certificate(ca).ca).toBe(true);
  });

  it('keeps the CA (key mode 0600) across starts, and the leaf in the state folder', async () => {
    const stateDir = tempDir();
    const first = await start({ https: true, stateDir });
    const ca = caCert();
    const leaf = await peerCertificate(portOf(first.url!), 'localhost', ca);
    await first.close();
    expect(statSync(join(caDir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);

    const second = await start({ https: true, stateDir });
    expect(caCert()).toBe(ca);
    const again = await peerCertificate(portOf(second.url!), 'localhost', ca);
    expect(again.fingerprint256).toBe(leaf.fingerprint256);
    await second.close();

    // Another state folder: another leaf, from the same CA.
    const third = await start({ https: true, stateDir: tempDir() });
    const other = await peerCertificate(portOf(third.url!), 'localhost', ca);
    expect(other.fingerprint256).not.toBe(leaf.fingerprint256);
    expect(other.checkIssued(new X509Certificate(ca))).toBe(true);
  });

  it('makes a new certificate when a tenant is added, and serves it on the running listener', async () => {
    const dir = tempDir();
    const config = join(dir, 'auth.config.yaml');
    copyFileSync(EXAMPLE_CONFIG, config);
    const emulator = await start({ https: true, config, stateDir: join(dir, '.auth-emulator') });
    const port = portOf(emulator.url!);
    const ca = caCert();
    const before = await peerCertificate(port, 'localhost', ca);
    expect(before.subjectAltName).not.toContain('shop.localhost');

    writeFileSync(config, `${readFileSync(EXAMPLE_CONFIG, 'utf8')}\n  - name: shop\n    clients: []\n`);
    const event = await emulator.reload();
    expect(event.ok).toBe(true);
    const after = await peerCertificate(port, 'shop.localhost', ca);
    expect(after.subjectAltName).toContain('DNS:shop.localhost');
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
    expect((await call(`https://localhost:${port}/shop/.well-known/openid-configuration`, ca)).body).toMatchObject({ issuer: `https://localhost:${port}/shop/` });
  });

  it('serves plain http on the port and https on httpsPort side by side', async () => {
    const emulator = await start({ https: true, httpsPort: 0 });
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const httpPort = portOf(emulator.url!);
    const httpsPort = portOf(emulator.httpsUrl!);
    expect(httpsPort).not.toBe(httpPort);
    const plain = await fetch(`http://localhost:${httpPort}/.well-known/openid-configuration`);
    expect(((await plain.json()) as { issuer: string }).issuer).toBe(`http://localhost:${httpPort}/`);
    expect((await call(`https://localhost:${httpsPort}/.well-known/openid-configuration`, caCert())).body).toMatchObject({ issuer: `https://localhost:${httpsPort}/` });
  });
});

describe('https with your own certificate', () => {
  it('serves the certificate and key given, and refuses a key that is not the certificate’s', async () => {
    const ownCa = await makeCa();
    const own = await makeLeaf(ownCa, ['localhost', '127.0.0.1']);
    const emulator = await start({ https: own });
    expect(emulator.caFile).toBeUndefined();
    const port = portOf(emulator.url!);
    const served = await peerCertificate(port, 'localhost', ownCa.cert);
    expect(served.fingerprint256).toBe(new X509Certificate(own.cert).fingerprint256);
    expect((await call(`https://localhost:${port}/.well-known/openid-configuration`, ownCa.cert)).status).toBe(200);

    await expect(createEmulator({ config: EXAMPLE_CONFIG, stateDir: false, https: { cert: own.cert, key: ownCa.key } })).rejects.toThrow(
      /^The TLS certificate and key cannot be used together \(.*\)\.$/,
    );
  });
});
