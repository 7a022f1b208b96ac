/**
 * The state store: runtime state that requests create and later requests read, keyed by kind (a model name:
 * `RefreshToken`, later `AuthorizationCode`, `Session`, `DeviceCode`, `MfaTransaction`) and id, with values that
 * are plain JSON. It follows node-oidc-provider's adapter (find, upsert with an expiry, consume, destroy,
 * revokeByGrantId): one asynchronous contract, several stores. memory-store.ts keeps entries in memory;
 * file-store.ts also writes every change to a log in the state folder; a Redis store can follow, and
 * test/store/contract.ts is the suite each of them must pass.
 *
 * Decisions beyond the adapter's:
 * - Expiry is an absolute time in epoch seconds (what tokens carry as `exp`), read against the emulator's
 *   clock, which tests freeze and move: a rotated-in refresh token keeps its family's expiry exactly, and no
 *   "now" is read twice. From its expiry on, an entry is gone for get, consume and list; when it is dropped
 *   from memory and disk is the store's business (moving the clock back does not promise it back).
 * - consume marks an entry used and keeps it, as the adapter does, so that a second use can be told from a
 *   token never issued (refresh-token reuse detection, a code redeemed twice). It is atomic: of two
 *   concurrent consumers, one gets the entry and the other undefined.
 * - Groups are named by the caller and span kinds (a grant's code and tokens, a user's sessions and tokens):
 *   deleteGroup and list take a group. `limit` bounds a group of entries not yet consumed, oldest out
 *   first: Auth0's 200 active refresh tokens per user and application.
 * - Calls take effect in the order they are made, and a read sees every call made before it, awaited or
 *   not (one Redis connection does the same). So a check of in-process state (is the user still there?)
 *   followed, with no await in between, by a write cannot be overtaken by a later change of that state.
 * - A write resolves once it, and every change made before it, is durable (in the file store: written to
 *   the log). Reads answer at once and may show changes not yet durable; an answer that rests on such a
 *   change (a refusal) waits for durable() first.
 * - Values are not copied: never change an object after giving it to set or getting it from get.
 *
 * What is per process, and what must be shared when several emulator instances serve one tenant (behind a
 * load balancer, on one Redis):
 * - Shared, in this store: refresh tokens, sessions, login transactions and authorization codes; device codes and MFA
 *   transactions when they come. A request may land on any instance, and each of these is created by one
 *   request and read or consumed by another.
 * - Shared, but outside the store: signing keys (every instance must sign with the same key and serve the
 *   same JWKS: a key file named in the config, or one state folder's keys/); the config file itself.
 * - Should be shared, not yet: what the emulator keeps about users at runtime (logins counts and metadata set
 *   by Actions, runtime/user-state.ts; an Action reads them on whichever instance serves the next login), and
 *   the custom claims kept for /userinfo per access token (runtime/userinfo-claims.ts: the token may be
 *   presented to another instance). Both fit the store as it is (the claims with the token's expiry).
 * - Runtime users, clients and client grants (runtime/runtime-changes.ts, added through the control plane or
 *   the Management API) must be shared too: a test adds a user on one instance and logs in through another.
 *   But they are configuration, read on every request from an in-memory snapshot: they belong in the store
 *   as one versioned overlay that each instance reloads when it changes (Redis pub/sub), not as entries
 *   read per request.
 * - Per process: the clock (a test moves each instance's, through each control plane), the request journal
 *   (what this instance answered), log followers and the extension log, extension worker processes and what
 *   they cache (Actions' api.cache is best effort on Auth0 too), the fast lane's precomputed answers, and
 *   the state-folder lock (state-lock.ts), which keeps two processes off one file store.
 */
import { StateError } from './state-error.js';

/** What a store's changes reject with once it is closed (a request still in flight then gets a 500). */
export function closedError(): StateError {
  return new StateError('The emulator is closed: changes to its state are no longer saved.');
}

export interface Entry<T = unknown> {
  readonly kind: string;
  readonly id: string;
  readonly value: T;
  /** Epoch seconds: gone from then on. */
  readonly expiresAt: number | undefined;
  /** Epoch seconds: when consume took it. */
  readonly consumedAt: number | undefined;
  readonly groups: readonly string[];
  /** The group it counts in while not consumed (SetOptions.limit). */
  readonly limitGroup: string | undefined;
}

export interface SetOptions {
  /** Epoch seconds, by the emulator's clock: the entry is gone from then on. Default: it does not expire. */
  readonly expiresAt?: number | undefined;
  /** Groups the entry belongs to until it is deleted (any kind may share a group). */
  readonly groups?: readonly string[];
  /** A group of entries of one kind that the entry counts in until it is consumed: past `max`, the oldest are deleted. */
  readonly limit?: { readonly group: string; readonly max: number };
  /** Replace the entry only if it is there (and not expired): a set never brings back an entry deleted meanwhile. */
  readonly ifPresent?: boolean;
}

export interface Store {
  /** The entry, consumed or not; undefined once deleted or expired. */
  get<T>(kind: string, id: string): Promise<Entry<T> | undefined>;
  /** Creates or replaces the entry (a replaced entry is no longer consumed, and takes the new groups). */
  set(kind: string, id: string, value: unknown, options?: SetOptions): Promise<void>;
  /** Marks the entry consumed and resolves with it as it was; undefined if it was consumed already, or is not there. */
  consume<T>(kind: string, id: string): Promise<Entry<T> | undefined>;
  /** Resolves true when the entry was there. */
  delete(kind: string, id: string): Promise<boolean>;
  /** Deletes every entry of the group, of any kind; resolves with how many were there. */
  deleteGroup(group: string): Promise<number>;
  /** The group's entries, of any kind, oldest first. */
  list<T>(group: string): Promise<Entry<T>[]>;
  /** Deletes everything (a reset). */
  clear(): Promise<void>;
  /** Resolves once every change made so far is durable. */
  durable(): Promise<void>;
  /** Waits for the changes made so far; changes after it are refused. */
  close(): Promise<void>;
}
