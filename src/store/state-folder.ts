/**
 * A state folder, opened: its lock taken, its store loaded (`store.jsonl`), the refresh tokens of earlier
 * versions imported. The emulator imports this module only when it has a state folder, so that memory-only
 * emulators (tests) never load the file store's code.
 */
import { join } from 'node:path';
import { FileStore } from './file-store.js';
import { importLegacyRefreshTokens } from './legacy-refresh-tokens.js';
import { repositoriesOn, type Repositories } from './repositories.js';
import { StateLock } from './state-lock.js';

export const STORE_FILE = 'store.jsonl';

export interface OpenStateFolder {
  readonly store: FileStore;
  readonly repositories: Repositories;
  readonly lock: StateLock;
}

/**
 * @param now milliseconds since the epoch: the emulator's clock
 * @throws StateError when the folder cannot be used or another process holds it (StateFolderBusy)
 */
export async function openStateFolder(dir: string, now: () => number): Promise<OpenStateFolder> {
  const lock = await StateLock.acquire(dir);
  let store: FileStore | undefined;
  try {
    store = await FileStore.open(join(dir, STORE_FILE), now);
    const repositories = repositoriesOn(store);
    await importLegacyRefreshTokens(dir, repositories.refreshTokens);
    return { store, repositories, lock };
  } catch (err) {
    await store?.close().catch(() => {});
    await lock.release().catch(() => {});
    throw err;
  }
}
