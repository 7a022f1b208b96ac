/**
 * Errors a command reports as one line and exit code 1 (a broken config, key file or state folder, a token
 * that cannot be minted); anything else is a bug and is thrown with its stack.
 */
import { ConfigError } from '../config/load.js';
import { MintError } from '../grants/mint.js';
import { StateError } from '../state/state-error.js';
import { KeyError } from '../tokens/key-store.js';
import { fail } from './args.js';

export function failIfKnown(err: unknown): void {
  if (err instanceof ConfigError || err instanceof KeyError || err instanceof StateError || err instanceof MintError) fail(err.message);
}
