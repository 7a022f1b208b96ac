import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { calculateJwkThumbprint, createRemoteJWKSet, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../src/tokens/key-store.js';
import { API, TRUSTED, rsaPem, startEmulator, tempDir, verifyWithServedJwks, writeTemp } from './helpers.js';

const configWithKey = (keyFile: string) => ({
  tenants: [{ name: 'k', signing_key: keyFile, apis: [{ identifier: API }], clients: [{ client_id: 'c', client_secret: 's' }], client_grants: [{ client_id: 'c', audience: API }] }],
});

describe('signing keys', () => {
  it('are created once, kept with mode 0600, and reused after a restart', async () => {
    const stateDir = tempDir();
    const first = await startEmulator({ stateDir });
    const token = (await first.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...TRUSTED }).expect(200)).body.access_token;
    const kid = (await first.http.get('/.well-known/jwks.json')).body.keys[0].kid;
    await first.close();

    const file = join(stateDir, 'keys', 'dev.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await startEmulator({ stateDir });
    try {
      expect((await second.http.get('/.well-known/jwks.json')).body.keys[0].kid).toBe(kid);
      // A token from the first run still verifies against the second run's JWKS.
      await verifyWithServedJwks(second.http, token, { audience: API });
    } finally {
      await second.close();
    }
  });

  it('can come from a PEM file the tenant names', async () => {
    const dir = tempDir();
    const pem = rsaPem();
    const t = await startEmulator({ config: configWithKey(writeTemp(dir, 'key.pem', pem)) });
    try {
      const jwk = createPublicKey(pem).export({ format: 'jwk' }) as JWK;
      const served = (await t.http.get('/.well-known/jwks.json')).body.keys[0];
      expect(served.n).toBe(jwk.n);
      expect(served.kid).toBe(await calculateJwkThumbprint(jwk));
      const token = (await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, client_id: 'c', client_secret: 's' }).expect(200)).body.access_token;
      await verifyWithServedJwks(t.http, token);
    } finally {
      await t.close();
    }
  });

  it('refuses a missing or non-RSA key file with a message naming it', async () => {
    const dir = tempDir();
    await expect(startEmulator({ config: configWithKey(join(dir, 'missing.pem')) })).rejects.toThrow(new KeyError(`cannot read signing key ${join(dir, 'missing.pem')}: ENOENT`));
    const ec = writeTemp(dir, 'ec.pem', (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await expect(startEmulator({ config: configWithKey(ec) })).rejects.toThrow(`${ec}: expected an RSA private key (Auth0 signs with RS256)`);
  });
});

type ServedKey = JWK & { kid: string; x5t: string; x5c: string[] };
const servedKey = async (t: { http: Awaited<ReturnType<typeof startEmulator>>['http'] }, path = '/.well-known/jwks.json') =>
  (await t.http.get(path).expect(200)).body.keys[0] as ServedKey;

/** The certificate of a served key, checked against the key: its own public key, self-signed, x5t its thumbprint. */
function certificateOf(key: ServedKey): X509Certificate {
  expect(key.x5c).toHaveLength(1);
  const der = Buffer.from(key.x5c[0]!, 'base64');
  const cert = new X509Certificate(der);
  expect(cert.publicKey.export({ format: 'jwk' })).toEqual({ kty: 'RSA', n: key.n, e: key.e });
  expect(cert.verify(cert.publicKey)).toBe(true);
  expect(cert.checkIssued(cert)).toBe(true);
  expect(key.x5t).toBe(createHash('sha1').update(der).digest('base64url'));
  expect(cert.fingerprint.replaceAll(':', '')).toBe(Buffer.from(key.x5t, 'base64url').toString('hex').toUpperCase());
  return cert;
}

describe('the JWKS certificate (x5c, x5t)', () => {
  it('is a self-signed certificate of the key, CN=<tenant>.localhost, valid 5000 days as at Auth0; jose verifies with the remote set', async () => {
    const t = await startEmulator();
    try {
      const key = await servedKey(t);
      const cert = certificateOf(key);
      expect(cert.subject).toBe('CN=dev.localhost');
      expect(cert.issuer).toBe('CN=dev.localhost');
      expect(cert.ca).toBe(true);
      expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(Date.now());
      expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).toBe(5000 * 86_400_000);
      // The same document on the next request (it is made once).
      expect(await servedKey(t)).toEqual(key);

      const token = (await t.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...TRUSTED }).expect(200)).body.access_token as string;
      const { protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), { audience: API });
      expect(protectedHeader.kid).toBe(key.kid);
    } finally {
      await t.close();
    }
  });

  // Start-up must not pay for the X.509 library (issue 13): a fresh process (the built dist/) loads node-forge
  // with its first JWKS request, not when it starts nor when it signs tokens.
  it('loads node-forge only with the first JWKS request', () => {
    const script = `
      import { createRequire } from 'node:module';
      const index = new URL('../dist/index.js', ${JSON.stringify(import.meta.url)});
      const { createEmulator } = await import(index);
      const forge = () => Object.keys(createRequire(index).cache).some((file) => file.includes('node-forge'));
      const e = await createEmulator({ config: ${JSON.stringify(new URL('../auth.config.yaml', import.meta.url).pathname)}, stateDir: false, port: 0 });
      console.log('started', forge());
      const token = await fetch(e.url + '/oauth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', audience: ${JSON.stringify(API)}, client_id: ${JSON.stringify(TRUSTED.client_id)}, client_secret: ${JSON.stringify(TRUSTED.client_secret)} }) });
      console.log('token', token.status, forge());
      const jwks = await (await fetch(e.url + '/.well-known/jwks.json')).json();
      console.log('jwks', typeof jwks.keys[0].x5c[0], forge());
      await e.close();
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('started false\ntoken 200 false\njwks string true\n');
  });

  it('is made when the JWKS is first asked for, kept beside the key, and the same after a restart', async () => {
    const stateDir = tempDir();
    const certFile = join(stateDir, 'keys', 'dev.crt');
    const first = await startEmulator({ stateDir });
    let key: ServedKey;
    try {
      await first.http.post('/oauth/token').send({ grant_type: 'client_credentials', audience: API, ...TRUSTED }).expect(200);
      expect(existsSync(join(stateDir, 'keys', 'dev.pem'))).toBe(true);
      expect(existsSync(certFile)).toBe(false);
      key = await servedKey(first);
      expect(existsSync(certFile)).toBe(true);
    } finally {
      await first.close();
    }
    const second = await startEmulator({ stateDir });
    try {
      expect(await servedKey(second)).toEqual(key);
    } finally {
      await second.close();
    }
    // A kept certificate that is not the key's (or not a certificate) is made again.
    writeFileSync(certFile, 'not a certificate');
    const third = await startEmulator({ stateDir });
    try {
      const again = await servedKey(third);
      expect(again.kid).toBe(key.kid);
      expect(again.x5t).not.toBe(key.x5t);
      certificateOf(again);
    } finally {
      await third.close();
    }
  });

  it('follows the tenant\'s own key file: kept in the state folder, made anew when the key changes', async () => {
    const dir = tempDir();
    const stateDir = tempDir();
    const keyFile = writeTemp(dir, 'key.pem', rsaPem());
    const start = () => startEmulator({ config: configWithKey(keyFile), stateDir });
    const first = await start();
    let key: ServedKey;
    try {
      key = await servedKey(first);
      expect(certificateOf(key).subject).toBe('CN=k.localhost');
    } finally {
      await first.close();
    }
    const second = await start();
    try {
      expect(await servedKey(second)).toEqual(key);
    } finally {
      await second.close();
    }
    writeFileSync(keyFile, rsaPem());
    const rotated = await start();
    try {
      const next = await servedKey(rotated);
      expect(next.kid).not.toBe(key.kid);
      expect(next.x5t).not.toBe(key.x5t);
      certificateOf(next);
    } finally {
      await rotated.close();
    }
  });
});
