import { hash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 of a secret: compared instead of the secret, so lengths do not show in the timing. */
export const secretDigest = (secret: string): Buffer => hash('sha256', secret, 'buffer');

/** Compares a presented secret with a stored digest in constant time, whatever their lengths. */
export function matchesDigest(presented: string, digest: Buffer): boolean {
  return timingSafeEqual(secretDigest(presented), digest);
}
