/**
 * Custom claims that rules and Actions put on the ID token, which Auth0 also returns from /userinfo
 * (reference §6). They are kept per access token (by its SHA-256, never the token itself) until it expires
 * or its user is deleted, in a bounded map; opaque tokens carry them inside their encryption instead.
 */
import { hash } from 'node:crypto';

const MAX_ENTRIES = 10_000;

const ownerKey = (tenant: string, userId: string) => `${tenant}\u0000${userId}`;

export class UserinfoClaims {
  readonly #byToken = new Map<string, { claims: Record<string, unknown>; exp: number; owner: string }>();

  remember(accessToken: string, owner: { tenant: string; userId: string }, claims: Record<string, unknown>, exp: number): void {
    if (Object.keys(claims).length === 0) return;
    this.#byToken.set(hash('sha256', accessToken, 'base64url'), { claims, exp, owner: ownerKey(owner.tenant, owner.userId) });
    if (this.#byToken.size > MAX_ENTRIES) this.#byToken.delete(this.#byToken.keys().next().value!);
  }

  /** Forgets the claims of a deleted user's tokens. */
  forgetUser(tenant: string, userId: string): void {
    const owner = ownerKey(tenant, userId);
    for (const [key, entry] of this.#byToken) if (entry.owner === owner) this.#byToken.delete(key);
  }

  recall(accessToken: string, nowSeconds: number): Record<string, unknown> {
    const key = hash('sha256', accessToken, 'base64url');
    const entry = this.#byToken.get(key);
    if (!entry) return {};
    if (entry.exp <= nowSeconds) {
      this.#byToken.delete(key);
      return {};
    }
    return entry.claims;
  }

  clear(): void {
    this.#byToken.clear();
  }
}
