/**
 * Refresh tokens, kept in the store (kind `RefreshToken`). Refresh tokens are runtime state, not config: they
 * outlive reloads and, in a state folder, restarts. Only a SHA-256 of each token is kept (the entry's id), so
 * the store leaks nothing usable.
 *
 * Each token belongs to its user's group (a delete marks them all) and, while not used, to the active tokens
 * of its user and application: Auth0 keeps at most 200, revoking the oldest when a new one is issued
 * (reference, "Refresh token issuance rules"). A rotation family (every token rotated from one login; a reuse
 * revokes them all) is named by its first token's id, and its other tokens make up the group of that name:
 * a token that is never rotated, the usual case, costs no group of its own. A rotating token that is
 * exchanged is consumed, not deleted: presenting it again is a reuse. An expiring token's entry expires with
 * it (a family shares its first token's expiry).
 */
import { hash as digest, randomFillSync } from 'node:crypto';
import type { Store } from './store.js';

export interface RefreshRecord {
  readonly tenant: string;
  readonly clientId: string;
  readonly userId: string;
  /** The API identifier, or undefined for tokens issued without an audience. */
  readonly audience: string | undefined;
  readonly scope: readonly string[];
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number | undefined;
  /** Rotation family: every token rotated from the same login shares it. */
  readonly family: string;
  /** Set when a rotating token has been exchanged (the store's consumedAt); presenting it again revokes the family. */
  readonly rotatedAt?: number;
  /**
   * Set when its user was deleted. The record stays, so that the token keeps getting Auth0's answer for a
   * deleted user's token, also once a user with the same user_id exists again (here, a user created again
   * with the same email: Auth0's ids are random, so there the old token's user never comes back).
   */
  readonly userDeletedAt?: number;
}

/** A token to issue: the family defaults to the token's own (the first of a family). */
export type NewRefreshRecord = Omit<RefreshRecord, 'family' | 'rotatedAt' | 'userDeletedAt'> & { family?: string };

/** What rotate() gives: the successor, or why the exchange is refused. */
export type Rotation = { issued: string } | { refused: 'reused' | 'user-deleted' };

const KIND = 'RefreshToken';
/** Active refresh tokens per user and application (Auth0's limit). */
export const MAX_ACTIVE_PER_USER_AND_CLIENT = 200;

type Stored = Omit<RefreshRecord, 'rotatedAt'>;

const hash = (token: string) => digest('sha256', token, 'base64url');
const familyGroup = (family: string) => `refresh-family:${family}`;
const userGroup = (tenant: string, userId: string) => `user:${tenant}/${userId}`;
// Tenant names have no `/`, user_ids no white space: the names cannot run into each other.
const activeGroup = (r: Stored) => `refresh-active:${r.tenant}/${r.userId} ${r.clientId}`;

export class RefreshTokens {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Issues a token; resolves with it once its record is durable. */
  issue(record: NewRefreshRecord): Promise<string> {
    // NOTE(emulator): Auth0's refresh tokens are opaque strings prefixed `v1.`; the length here is our own.
    const token = `v1.${randomPart()}`;
    const id = hash(token);
    return this.#put(id, { ...record, family: record.family ?? id }).then(() => token);
  }

  async find(token: string): Promise<RefreshRecord | undefined> {
    const entry = await this.#store.get<Stored>(KIND, hash(token));
    if (entry === undefined) return undefined;
    return entry.consumedAt === undefined ? entry.value : { ...entry.value, rotatedAt: entry.consumedAt };
  }

  /**
   * Exchanges a rotating token for a successor in its family: the token is consumed and the successor
   * recorded in one go (both calls made before either resolves, the consume first, so that the token no
   * longer counts among the 200 when its successor joins them). Of two concurrent exchanges of one token,
   * one consumes it; the other, finding it consumed (or gone), revokes the family, the first one's successor
   * included, whatever order their promises resolve in (its delete is made after both records). A token
   * whose user was deleted gets no successor.
   */
  async rotate(token: string, successor: Omit<RefreshRecord, 'rotatedAt' | 'userDeletedAt'>): Promise<Rotation> {
    const id = hash(token);
    const next = `v1.${randomPart()}`;
    const nextId = hash(next);
    const [previous] = await Promise.all([this.#store.consume<Stored>(KIND, id), this.#put(nextId, successor)]);
    const deleted = previous === undefined ? (await this.#store.get<Stored>(KIND, id))?.value.userDeletedAt !== undefined : previous.value.userDeletedAt !== undefined;
    if (deleted) {
      await this.#store.delete(KIND, nextId);
      return { refused: 'user-deleted' };
    }
    if (previous === undefined) {
      await this.revokeFamily(successor.family);
      return { refused: 'reused' };
    }
    return { issued: next };
  }

  /** Revokes a token; resolves (true when it was there) once its absence is durable. */
  revoke(token: string): Promise<boolean> {
    return this.#store.delete(KIND, hash(token));
  }

  /** Revokes every token of a rotation family (reuse detection): the first, and the group of the others. */
  async revokeFamily(family: string): Promise<void> {
    await Promise.all([this.#store.delete(KIND, family), this.#store.deleteGroup(familyGroup(family))]);
  }

  /**
   * Marks every refresh token of a deleted user (see `userDeletedAt`); resolves once that is durable,
   * including when another request's revocation of them is still being written. Call it right after the user
   * is gone from the tenant (no await in between): a token issued after that is refused before it is recorded.
   */
  async revokeUser(tenant: string, userId: string, at: number): Promise<void> {
    const entries = await this.#store.list<Stored>(userGroup(tenant, userId));
    const marked = entries
      .filter((entry) => entry.kind === KIND && entry.value.userDeletedAt === undefined)
      // No longer active (it leaves the 200); kept only if still there, so that a token revoked meanwhile stays revoked.
      .map((entry) => this.#store.set(KIND, entry.id, { ...entry.value, userDeletedAt: at }, { expiresAt: entry.expiresAt, groups: entry.groups, ifPresent: true }));
    await Promise.all([...marked, this.#store.durable()]);
  }

  /** Resolves once every change so far is durable (see Store.durable). */
  durable(): Promise<void> {
    return this.#store.durable();
  }

  /** Records a token of an earlier version's state file (legacy-refresh-tokens.ts). */
  async restore(id: string, record: RefreshRecord): Promise<void> {
    const { rotatedAt, ...stored } = record;
    const written = this.#put(id, stored);
    await (rotatedAt === undefined ? written : Promise.all([written, this.#store.consume(KIND, id)]));
  }

  #put(id: string, record: Stored): Promise<void> {
    const user = userGroup(record.tenant, record.userId);
    return this.#store.set(KIND, id, record, {
      expiresAt: record.expiresAt,
      groups: record.family === id ? [user] : [user, familyGroup(record.family)],
      // A deleted user's token (restored from an earlier version's file) is not active.
      limit: record.userDeletedAt === undefined ? { group: activeGroup(record), max: MAX_ACTIVE_PER_USER_AND_CLIENT } : undefined,
    });
  }
}

/** 48 random bytes, base64url: drawn from the CSPRNG 128 tokens' worth at a time (one call instead of 128). */
const TOKEN_BYTES = 48;
const pool = Buffer.allocUnsafe(TOKEN_BYTES * 128);
let offset = pool.length;
function randomPart(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool.toString('base64url', offset, (offset += TOKEN_BYTES));
}
