/**
 * What happens to users at runtime, on top of the config: metadata that Actions set
 * (`api.user.setAppMetadata`) and login counts. It outlives config reloads; metadata merges at the root
 * level with `null` deleting a key, as Auth0's Management API does.
 */
import type { User } from '../model/user.js';

interface Overlay {
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  logins: number;
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

  recordLogin(userId: string): number {
    return ++this.#overlay(userId).logins;
  }

  logins(userId: string): number {
    return this.#overlays.get(userId)?.logins ?? 0;
  }

  setMetadata(userId: string, kind: 'app' | 'user', key: string, value: unknown): void {
    const target = kind === 'app' ? this.#overlay(userId).appMetadata : this.#overlay(userId).userMetadata;
    target[key] = value;
  }

  /** The user's metadata: the config's, with runtime changes merged at the root (null deletes). */
  metadata(user: User): { appMetadata: Record<string, unknown>; userMetadata: Record<string, unknown> } {
    const overlay = this.#overlays.get(user.userId);
    const merge = (base: Readonly<Record<string, unknown>>, changes: Record<string, unknown> | undefined) => {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(changes ?? {})) {
        if (v === null) delete out[k];
        else out[k] = v;
      }
      return out;
    };
    return { appMetadata: merge(user.appMetadata, overlay?.appMetadata), userMetadata: merge(user.userMetadata, overlay?.userMetadata) };
  }
}
