/**
 * Errors a command reports as one line and exit code 1: the emulator's own (src/errors.ts: a broken config,
 * key file or state folder, a token that cannot be minted); anything else is a bug and is thrown with its stack.
 */
import { EmulatorError } from '../errors.js';
import { fail } from './args.js';

export function failIfKnown(err: unknown): void {
  if (err instanceof EmulatorError) fail(err.message);
}
