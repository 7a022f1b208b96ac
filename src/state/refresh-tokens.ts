/**
 * Refresh tokens are runtime state, not config: they outlive reloads and restarts. Only a SHA-256 of each
 * token is kept (in memory and in `<state>/refresh-tokens.json`, mode 0600), so the file leaks nothing usable.
 * Writes are coalesced and atomic (temp file + rename).
 */
import { hash as digest, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
  /** Set when a rotating token has been exchanged; presenting it again revokes the family. */
  readonly rotatedAt?: number;
}

const hash = (token: string) => digest('sha256', token, 'base64url');

/**
 * Writes are coalesced over this long: a busy test suite issues thousands of tokens a second, and rewriting
 * the file for each would make every token cost more as the store grows. close() flushes.
 */
const WRITE_DELAY_MS = 250;

export class RefreshTokenStore {
  readonly #file: string | undefined;
  readonly #records = new Map<string, RefreshRecord>();
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  private constructor(file: string | undefined) {
    this.#file = file;
  }

  /** @param file where to persist; undefined keeps tokens in memory only. */
  static async open(file: string | undefined): Promise<RefreshTokenStore> {
    const store = new RefreshTokenStore(file);
    if (file) {
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (text !== undefined) {
        try {
          const saved = JSON.parse(text) as { tokens?: Record<string, RefreshRecord> };
          for (const [id, record] of Object.entries(saved.tokens ?? {})) store.#records.set(id, record);
        } catch {
          // A corrupt state file must not stop the emulator: start with no refresh tokens.
        }
      }
    }
    return store;
  }

  issue(record: Omit<RefreshRecord, 'family'> & { family?: string }): string {
    // NOTE(emulator): Auth0's refresh tokens are opaque strings prefixed `v1.`; the length here is our own.
    const token = `v1.${randomBytes(48).toString('base64url')}`;
    const family = record.family ?? hash(token);
    this.#records.set(hash(token), { ...record, family });
    this.#save();
    return token;
  }

  find(token: string): RefreshRecord | undefined {
    return this.#records.get(hash(token));
  }

  /** Marks a rotating token as exchanged; it can no longer be used. */
  markRotated(token: string, at: number): void {
    const id = hash(token);
    const record = this.#records.get(id);
    if (record) {
      this.#records.set(id, { ...record, rotatedAt: at });
      this.#save();
    }
  }

  revoke(token: string): boolean {
    const removed = this.#records.delete(hash(token));
    if (removed) this.#save();
    return removed;
  }

  revokeFamily(family: string): void {
    for (const [id, record] of this.#records) if (record.family === family) this.#records.delete(id);
    this.#save();
  }

  /** Revokes every refresh token (a reset). */
  clear(): void {
    this.#records.clear();
    this.#save();
  }

  get size(): number {
    return this.#records.size;
  }

  /** Writes what changed now, and resolves when everything changed so far is on disk. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#write();
    }
    return this.#writing;
  }

  #save(): void {
    if (!this.#file || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, WRITE_DELAY_MS);
    this.#timer.unref();
  }

  #write(): void {
    const file = this.#file;
    if (!file) return;
    this.#writing = this.#writing.then(async () => {
      const body = JSON.stringify({ version: 1, tokens: Object.fromEntries(this.#records) });
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, file);
    }).catch(() => {
      // A failed write (disk full, folder removed) is retried by the next change; serving goes on.
    });
  }
}
