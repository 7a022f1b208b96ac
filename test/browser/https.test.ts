/**
 * Issue 13: headless Chromium loads the emulator's discovery document over https without a certificate error
 * once the local CA is trusted in its profile: an NSS database (certutil, Debian's libnss3-tools) in a
 * temporary HOME, as `auth-emulator ca` tells a developer to do in theirs. Without the CA it refuses.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/index.js';
import { EXAMPLE_CONFIG, tempDir } from '../helpers.js';
import { CHROMIUM_ARGS, findChromium } from './harness.js';

const CA_DIR_BEFORE = process.env.AUTH_EMULATOR_CA_DIR;
let emulator: Emulator;
const browsers: Browser[] = [];

beforeAll(async () => {
  process.env.AUTH_EMULATOR_CA_DIR = join(tempDir('auth-emulator-ca-'), 'ca');
  emulator = await createEmulator({ config: EXAMPLE_CONFIG, stateDir: false, https: true, port: 0 });
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await emulator?.close();
  if (CA_DIR_BEFORE === undefined) delete process.env.AUTH_EMULATOR_CA_DIR;
  else process.env.AUTH_EMULATOR_CA_DIR = CA_DIR_BEFORE;
});

/** Chromium with a HOME of its own; `trust`: the CA added to that HOME's NSS database first. */
async function chromiumWithHome(trust: string | undefined): Promise<Browser> {
  const home = tempDir('auth-emulator-home-');
  const nssdb = join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  try {
    execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('This test needs certutil: sudo apt-get install libnss3-tools (Debian/Ubuntu).');
    throw err;
  }
  if (trust) execFileSync('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'auth-emulator', '-i', trust]);
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, env: { ...process.env, HOME: home } });
  browsers.push(browser);
  return browser;
}

describe('Chromium over https', () => {
  it('loads the discovery document without certificate errors once the CA is in its NSS database', async () => {
    const port = new URL(emulator.url!).port;
    const url = `https://localhost:${port}/.well-known/openid-configuration`;
    const page = await (await chromiumWithHome(emulator.caFile)).newPage();
    const response = await page.goto(url);
    expect(response!.status()).toBe(200);
    expect(JSON.parse(await response!.text())).toMatchObject({ issuer: `https://localhost:${port}/` });
    const security = await response!.securityDetails();
    expect(security?.subjectName).toBe('localhost');

    // At a tenant's subdomain too (Chromium resolves *.localhost to the loopback itself).
    const tenant = await page.goto(`https://dev.localhost:${port}/.well-known/openid-configuration`);
    expect(JSON.parse(await tenant!.text())).toMatchObject({ issuer: `https://dev.localhost:${port}/` });

    // The same browser without the CA refuses the certificate.
    const untrusted = await (await chromiumWithHome(undefined)).newPage();
    await expect(untrusted.goto(url)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  });
});
