import { fileURLToPath } from 'node:url';

/** The example config shipped with the package doubles as the built-in demo. */
export const DEMO_CONFIG_FILE = fileURLToPath(new URL('../../auth.config.yaml', import.meta.url));
