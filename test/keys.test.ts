import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
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
