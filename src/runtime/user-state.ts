/**
 * What happens to users at runtime, on top of the config: metadata that Actions set
 * (`api.user.setAppMetadata`) and login counts. It outlives config reloads; metadata merges at the root
 * level with `null` deleting a key, as Auth0's Management API does.
 */
import type { User } from '../model/user.js';

export interface UserMetadata {
  readonly appMetadata: Readonly<Record<string, unknown>>;
  readonly userMetadata: Readonly<Record<string, unknown>>;
}

interface Overlay {
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  logins: number;
  /** The last merge, for as long as neither the user record nor the overlay changes. */
  merged?: { base: User; metadata: UserMetadata };
}

export class UserState {
  readonly #overlays = new Map<string, Overlay>();

  #overlay(userId: string): Overlay {
    let overlay = this.#overlays.get(userId);
    if (!overlay) this.#overlays.set(userId, (overlay = { appMetadata: {}, userMetadata: {}, logins: 0 }));
    return overlay;
  }

  reset(): void {
    this.#overlays.clear();
  }

  /** Drops what is kept about a user (deleted: one created again with the same user_id starts clean). */
  forget(userId: string): void {
    this.#overlays.delete(userId);
  }

  recordLogin(userId: string): number {
    return ++this.#overlay(userId).logins;
  }

  logins(userId: string): number {
    return this.#overlays.get(userId)?.logins ?? 0;
  }

  setMetadata(userId: string, kind: 'app' | 'user', key: string, value: unknown): void {
    const overlay = this.#overlay(userId);
    (kind === 'app' ? overlay.appMetadata : overlay.userMetadata)[key] = value;
    delete overlay.merged;
  }

  /**
   * The user's metadata: the config's, with runtime changes merged at the root (null deletes). The same
   * objects come back until something changes (rule inputs are cached by them); never mutate them.
   */
  metadata(user: User): UserMetadata {
    const overlay = this.#overlays.get(user.userId);
    if (!overlay || (Object.keys(overlay.appMetadata).length === 0 && Object.keys(overlay.userMetadata).length === 0)) {
      return (plain.get(user) ?? plain.set(user, { appMetadata: user.appMetadata, userMetadata: user.userMetadata }).get(user))!;
    }
    if (overlay.merged?.base !== user) {
      overlay.merged = { base: user, metadata: { appMetadata: merge(user.appMetadata, overlay.appMetadata), userMetadata: merge(user.userMetadata, overlay.userMetadata) } };
    }
    return overlay.merged.metadata;
  }
}

const plain = new WeakMap<User, UserMetadata>();

function merge(base: Readonly<Record<string, unknown>>, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
