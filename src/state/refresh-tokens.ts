/**
 * Refresh tokens are runtime state, not config: they outlive reloads and restarts. Only a SHA-256 of each
 * token is kept (in memory and in `<state>/refresh-tokens.jsonl`, mode 0600), so the file leaks nothing usable.
 *
 * The file is a log of changes, one JSON object per line, appended in batches: a busy test suite issues
 * thousands of tokens a second, and rewriting the whole store for each batch made every token cost more as
 * the store grew (7 MB of JSON every 250 ms after a few seconds of load: p99 over 20 ms). When the log holds
 * many more lines than live tokens, it is rewritten once (temp file + rename), as at start-up.
 *
 * Auth0 keeps at most 200 active refresh tokens per user and application, revoking the oldest when a new one
 * is issued (reference, "Refresh token issuance rules"); so does the store. (Rotated tokens are kept, for
 * reuse detection, until their family is revoked.)
 */
import { hash as digest, randomFillSync } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

/** One line of the log. */
type Change = { put: string; record: RefreshRecord } | { del: string } | { clear: true };

const hash = (token: string) => digest('sha256', token, 'base64url');

/** Active refresh tokens per user and application (Auth0's limit). */
export const MAX_ACTIVE_PER_USER_AND_CLIENT = 200;

/** Changes are appended in batches this far apart; close() flushes. */
const WRITE_DELAY_MS = 250;

export class RefreshTokenStore {
  readonly #file: string | undefined;
  readonly #records = new Map<string, RefreshRecord>();
  /** Ids of the tokens not yet rotated, per tenant, client and user, oldest first. */
  readonly #active = new Map<string, Set<string>>();
  #pending: Change[] = [];
  /** Lines in the file, to know when rewriting it would shrink it a lot. */
  #lines = 0;
  /** A write failed: the next one rewrites the whole file. */
  #lost = false;
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  private constructor(file: string | undefined) {
    this.#file = file;
  }

  /** @param file where to persist (a `.jsonl` log); undefined keeps tokens in memory only. */
  static async open(file: string | undefined): Promise<RefreshTokenStore> {
    const store = new RefreshTokenStore(file);
    if (!file) return store;
    const text = await readIfThere(file);
    if (text !== undefined) {
      const lines = text.split('\n').filter(Boolean);
      for (const line of lines) store.#replay(line);
      store.#lines = lines.length;
      // A log with dead lines (revoked, rotated, capped tokens) or a last line cut short (a crash: the next
      // append would join it) starts the run rewritten.
      if (lines.length > store.#records.size || (text !== '' && !text.endsWith('\n'))) store.#compact();
      return store;
    }
    // The store before the log was one JSON object, `{ tokens: { id: record } }`: read once, then replaced.
    const legacy = file.replace(/\.jsonl$/, '.json');
    const old = legacy === file ? undefined : await readIfThere(legacy);
    if (old !== undefined) {
      try {
        const saved = JSON.parse(old) as { tokens?: Record<string, RefreshRecord> };
        for (const [id, record] of Object.entries(saved.tokens ?? {})) store.#put(id, record);
      } catch {
        // A corrupt state file must not stop the emulator: start with no refresh tokens.
      }
      store.#compact(() => rm(legacy, { force: true }));
    }
    return store;
  }

  issue(record: Omit<RefreshRecord, 'family'> & { family?: string }): string {
    // NOTE(emulator): Auth0's refresh tokens are opaque strings prefixed `v1.`; the length here is our own.
    const token = `v1.${randomPart()}`;
    const id = hash(token);
    const full: RefreshRecord = { ...record, family: record.family ?? id };
    this.#put(id, full);
    this.#log({ put: id, record: full });
    const active = this.#active.get(activeKey(full))!;
    while (active.size > MAX_ACTIVE_PER_USER_AND_CLIENT) this.#delete(active.values().next().value!);
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
      const rotated = { ...record, rotatedAt: at };
      this.#put(id, rotated);
      this.#log({ put: id, record: rotated });
    }
  }

  revoke(token: string): boolean {
    const id = hash(token);
    if (!this.#records.has(id)) return false;
    this.#delete(id);
    return true;
  }

  revokeFamily(family: string): void {
    for (const [id, record] of this.#records) if (record.family === family) this.#delete(id);
  }

  /** Revokes every refresh token (a reset). */
  clear(): void {
    this.#records.clear();
    this.#active.clear();
    this.#log({ clear: true });
  }

  get size(): number {
    return this.#records.size;
  }

  /** Writes what changed now, and resolves when everything changed so far is on disk. */
  flush(): Promise<void> {
    if (this.#lost) this.#compact();
    else if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#write();
    }
    return this.#writing;
  }

  #replay(line: string): void {
    let change: unknown;
    try {
      change = JSON.parse(line);
    } catch {
      return; // a line cut short by a crash: the changes before it stand
    }
    // Anything else (a file edited by hand) is skipped: a damaged store must not stop the emulator.
    if (typeof change !== 'object' || change === null) return;
    const c = change as Partial<{ put: unknown; record: unknown; del: unknown; clear: unknown }>;
    if (typeof c.put === 'string' && isRecord(c.record)) this.#put(c.put, c.record);
    else if (typeof c.del === 'string') this.#forget(c.del);
    else if (c.clear === true) {
      this.#records.clear();
      this.#active.clear();
    }
  }

  /** In memory only. */
  #put(id: string, record: RefreshRecord): void {
    this.#records.set(id, record);
    const key = activeKey(record);
    let active = this.#active.get(key);
    if (record.rotatedAt === undefined) {
      if (!active) this.#active.set(key, (active = new Set()));
      active.add(id);
    } else if (active?.delete(id) && active.size === 0) this.#active.delete(key);
  }

  /** In memory only. */
  #forget(id: string): void {
    const record = this.#records.get(id);
    if (!record) return;
    this.#records.delete(id);
    const key = activeKey(record);
    const active = this.#active.get(key);
    active?.delete(id);
    if (active?.size === 0) this.#active.delete(key);
  }

  #delete(id: string): void {
    this.#forget(id);
    this.#log({ del: id });
  }

  #log(change: Change): void {
    if (!this.#file) return;
    this.#pending.push(change);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, WRITE_DELAY_MS);
    this.#timer.unref();
  }

  #write(): void {
    const file = this.#file;
    if (!file || this.#pending.length === 0) return;
    // Rewriting pays once the log is mostly dead lines (more than twice the live tokens, plus 10,000: at
    // 200 tokens per user, a busy login loop rewrites about 60 kB every few thousand logins).
    if (this.#lost || this.#lines + this.#pending.length > 2 * this.#records.size + 10_000) return this.#compact();
    const lines = this.#pending.map((change) => `${JSON.stringify(change)}\n`).join('');
    this.#lines += this.#pending.length;
    this.#pending = [];
    this.#enqueue(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await appendFile(file, lines, { mode: 0o600 });
    });
  }

  /** Replaces the log with one line per live token; then runs `after`, if the rewrite succeeded. */
  #compact(after?: () => Promise<unknown>): void {
    const file = this.#file;
    if (!file) return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#pending = [];
    this.#lines = this.#records.size;
    this.#lost = false;
    const body = [...this.#records].map(([id, record]) => `${JSON.stringify({ put: id, record })}\n`).join('');
    this.#enqueue(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, file);
      await after?.();
    });
  }

  #enqueue(write: () => Promise<void>): void {
    this.#writing = this.#writing.then(write).catch(() => {
      // A failed write (disk full, folder removed): serving goes on, and the next change rewrites the file.
      this.#lost = true;
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

function isRecord(value: unknown): value is RefreshRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<keyof RefreshRecord, unknown>>;
  return typeof r.tenant === 'string' && typeof r.clientId === 'string' && typeof r.userId === 'string' && typeof r.family === 'string' && Array.isArray(r.scope);
}

const activeKey = (record: RefreshRecord) => `${record.tenant}\u0000${record.clientId}\u0000${record.userId}`;

async function readIfThere(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}
