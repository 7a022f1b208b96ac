import { emulator } from './global-setup.js';

export default async function globalTeardown() {
  await emulator?.close();
}
