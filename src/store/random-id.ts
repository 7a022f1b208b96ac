/** Random ids for the store's entries and the handles given to browsers: 32 bytes of the CSPRNG, base64url. */
import { hash, randomBytes } from 'node:crypto';

export const randomId = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** What the store keeps of a secret handed out (a code): its SHA-256, so the store leaks nothing usable. */
export const digestId = (secret: string): string => hash('sha256', secret, 'base64url');
