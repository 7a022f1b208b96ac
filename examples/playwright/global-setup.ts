import { fileURLToPath } from 'node:url';
import { createEmulator, type Emulator } from 'auth-emulator';

const config = fileURLToPath(new URL('auth.config.yaml', import.meta.url)); // beside this file

/** Kept for global-teardown.ts, which runs in this same process. */
export let emulator: Emulator | undefined;

export default async function globalSetup() {
  emulator = await createEmulator({ config, port: 0, stateDir: false });
  // Workers inherit the runner's environment: specs read the URLs from there.
  process.env.AUTH_EMULATOR_URL = emulator.url;
  process.env.AUTH0_ISSUER = emulator.tenants.dev!.issuer;
}
