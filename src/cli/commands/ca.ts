/**
 * `auth-emulator ca`: where the local certificate authority is kept (it is made by the first --https; this
 * command makes it too, so it can be trusted before the first start) and how to trust it, once per machine.
 */
import { join } from 'node:path';
import { failIfKnown } from '../known-errors.js';
import type { Values } from '../args.js';
import { CA_CERT_FILE, CA_KEY_FILE, caDir } from '../../tls/ca-dir.js';

export async function run(_values: Values): Promise<void> {
  const dir = caDir();
  const file = join(dir, CA_CERT_FILE);
  try {
    await (await import('../../tls/local-ca.js')).loadOrCreateCa(dir);
  } catch (err) {
    failIfKnown(err);
    throw err;
  }
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  console.log(`The local certificate authority of auth-emulator --https (made once, kept for every project):
  ${file}
  (its key is ${join(dir, CA_KEY_FILE)}, readable by you only; AUTH_EMULATOR_CA_DIR chooses another folder)

Trust it once, where your clients look:

  # Node.js (the auth0 SDKs, openid-client, jose, fetch)
  export NODE_EXTRA_CA_CERTS=${q(file)}

  # Python (requests, PyJWT, authlib), OpenSSL-based tools: these replace the default bundle, so other
  # https sites fail in that shell; trust it in the system store (below) to keep both
  export REQUESTS_CA_BUNDLE=${q(file)} SSL_CERT_FILE=${q(file)}
  curl --cacert ${q(file)} https://localhost:4400/.well-known/openid-configuration

  # Debian/Ubuntu system store
  sudo cp ${q(file)} /usr/local/share/ca-certificates/auth-emulator.crt && sudo update-ca-certificates

  # macOS keychain
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${q(file)}

  # Chromium, Chrome and Firefox on Linux (NSS; certutil is in libnss3-tools); for Firefox use its profile folder
  certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n auth-emulator -i ${q(file)}

Remove it from these stores, and delete ${q(dir)}, to stop trusting it.`);
}
