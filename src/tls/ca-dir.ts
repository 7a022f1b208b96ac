/**
 * Where the local certificate authority lives: one folder per user, not per project, so a developer trusts it
 * once. `AUTH_EMULATOR_CA_DIR`, else `$XDG_DATA_HOME/auth-emulator/ca`, else `~/.local/share/auth-emulator/ca`
 * (`%LOCALAPPDATA%\auth-emulator\ca` on Windows). Loads no certificate code: `auth-emulator ca` uses it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

export function caDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AUTH_EMULATOR_CA_DIR) return resolve(env.AUTH_EMULATOR_CA_DIR);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'auth-emulator', 'ca');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'auth-emulator', 'ca');
}
