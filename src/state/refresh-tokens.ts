/**
 * Refresh tokens are runtime state, not config: they outlive reloads and restarts. Only a SHA-256 of each
 * token is kept (in memory and in `<state>/refresh-tokens.jsonl`, mode 0600), so the file leaks nothing usable.
 *
 * The file is a log of changes, one JSON object per line, appended through one file handle kept open in
 * append mode. When the log holds many more lines than live tokens, it is rewritten once (temp file,
 * fsync, rename, fsync of the folder), as at start-up.
 *
 * Durability: a change the client is told about is in the file before the answer goes out. Each mutation
 * changes memory at once (so the next request sees it) and returns a promise that resolves once its line
 * has been written. Writes use group commit: a change joins the pending batch; when no write is in flight
 * the batch is written at once (once the current microtasks have run, so that the changes one request
 * makes together go in one write); changes that arrive while a write is in flight make up the next batch,
 * written as soon as that write returns. Under load a write carries several requests' changes; an idle
 * emulator pays one write per change, and never waits for a timer. Writes are asynchronous (libuv's
 * thread pool): a stalled disk holds up the answers that wait for it, not the event loop.
 *
 * Written means write(2) returned, not fdatasync(2): the line is then in the kernel's page cache, which a
 * killed or crashed emulator (kill -9, an OOM kill, a crash) cannot lose; only a crash of the machine can.
 * That is the bar for a local emulator, whose refresh tokens are test data. Measured with
 * bench/durability.js (2 shared cores; docs/benchmarks.md): with write only, the refresh, revoke and
 * password paths stay within the noise of the 250 ms timer this replaced; an fdatasync per batch took
 * them to about 0.5× (rotating refresh), 0.7× (revoke) and 0.7× (password with offline_access). Rewrites
 * do fsync, because a rename can reach the disk before the data it names, and a power loss would then
 * leave an empty log instead of the old one.
 *
 * A failed write (disk full, folder removed) is not acknowledged: the mutation's promise rejects with a
 * StateError (the request gets a 500), and the next change rewrites the whole file from memory, since the
 * failed write may have left half a line behind. If the file is replaced or removed behind the emulator's
 * back (its handle then points at a file no longer in the folder), the next write notices and rewrites it.
 *
 * Auth0 keeps at most 200 active refresh tokens per user and application, revoking the oldest when a new one
 * is issued (reference, "Refresh token issuance rules"); so does the store. (Rotated tokens are kept, for
 * reuse detection, until their family is revoked; a deleted user's are kept, refused, until a reset.)
 */
import { hash as digest, randomFillSync } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stateError, StateError } from './state-error.js';

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
  /**
   * Set when its user was deleted. The record stays, so that the token keeps getting Auth0's answer for a
   * deleted user's token, also once a user with the same user_id exists again (here, a user created again
   * with the same email: Auth0's ids are random, so there the old token's user never comes back).
   */
  readonly userDeletedAt?: number;
}

/** One line of the log. */
type Change = { put: string; record: RefreshRecord } | { del: string } | { clear: true };

const hash = (token: string) => digest('sha256', token, 'base64url');

/** Active refresh tokens per user and application (Auth0's limit). */
export const MAX_ACTIVE_PER_USER_AND_CLIENT = 200;

/** Changes written together; `done` settles when they are in the file (or the write failed). */
interface Batch {
  readonly lines: string[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that does not wait for a batch must not turn its failure into an unhandled rejection.
  done.catch(() => {});
  return { lines: [], done, resolve, reject };
}

const DONE = Promise.resolve();

export class RefreshTokenStore {
  readonly #file: string | undefined;
  readonly #records = new Map<string, RefreshRecord>();
  /** Ids of the tokens not yet rotated, per tenant, client and user, oldest first. */
  readonly #active = new Map<string, Set<string>>();
  /** The append handle; opened at start, reopened after a rewrite or a close. */
  #handle: FileHandle | undefined;
  /** Changes not yet handed to a write. */
  #next: Batch | undefined;
  /** The batch being written. */
  #writing: Batch | undefined;
  #scheduled = false;
  /** Lines in the file, to know when rewriting it would shrink it a lot. */
  #lines = 0;
  /** A write failed (or the file went missing): the next one rewrites the whole file. */
  #lost = false;
  /** The file does not end with a newline (a last line cut short): the next append starts a new line. */
  #openLine = false;
  /** Set by close(): changes after it are refused, so that nothing opens the file again. */
  #closed = false;

  private constructor(file: string | undefined) {
    this.#file = file;
  }

  /**
   * @param file where to persist (a `.jsonl` log); undefined keeps tokens in memory only.
   * @throws StateError when the file or its folder cannot be used (a folder where the file should be, …).
   */
  static async open(file: string | undefined): Promise<RefreshTokenStore> {
    const store = new RefreshTokenStore(file);
    if (!file) return store;
    try {
      await store.#load(file);
    } catch (err) {
      await store.#handle?.close().catch(() => {});
      throw stateError(dirname(file), file, err);
    }
    return store;
  }

  async #load(file: string): Promise<void> {
    await removeStaleTemps(file);
    const text = await readIfThere(file);
    if (text !== undefined) {
      const lines = text.split('\n').filter(Boolean);
      for (const line of lines) this.#replay(line);
      this.#lines = lines.length;
      this.#openLine = text !== '' && !text.endsWith('\n');
      // A log with dead lines (revoked, rotated, capped tokens) or a last line cut short (a crash) starts the
      // run rewritten.
      if (lines.length > this.#records.size || this.#openLine) await this.#rewrite();
      else await this.#openHandle();
      return;
    }
    // The store before the log was one JSON object, `{ tokens: { id: record } }`: read once, then replaced.
    const legacy = file.replace(/\.jsonl$/, '.json');
    const old = legacy === file ? undefined : await readIfThere(legacy);
    if (old === undefined) {
      await this.#openHandle();
      return;
    }
    try {
      const saved = JSON.parse(old) as { tokens?: Record<string, RefreshRecord> };
      for (const [id, record] of Object.entries(saved.tokens ?? {})) this.#put(id, record);
    } catch {
      // A corrupt state file must not stop the emulator: start with no refresh tokens.
    }
    await this.#rewrite();
    await rm(legacy, { force: true });
  }

  /** Issues a token; resolves with it once its record is in the file. */
  async issue(record: Omit<RefreshRecord, 'family'> & { family?: string }): Promise<string> {
    this.#refuseIfClosed();
    // NOTE(emulator): Auth0's refresh tokens are opaque strings prefixed `v1.`; the length here is our own.
    const token = `v1.${randomPart()}`;
    const id = hash(token);
    const full: RefreshRecord = { ...record, family: record.family ?? id };
    this.#put(id, full);
    let written = this.#log({ put: id, record: full });
    const active = this.#active.get(activeKey(full))!;
    while (active.size > MAX_ACTIVE_PER_USER_AND_CLIENT) written = this.#delete(active.values().next().value!);
    await written;
    return token;
  }

  find(token: string): RefreshRecord | undefined {
    return this.#records.get(hash(token));
  }

  /** Marks a rotating token as exchanged; it can no longer be used. */
  async markRotated(token: string, at: number): Promise<void> {
    this.#refuseIfClosed();
    const id = hash(token);
    const record = this.#records.get(id);
    if (!record) return this.durable();
    const rotated = { ...record, rotatedAt: at };
    this.#put(id, rotated);
    return this.#log({ put: id, record: rotated });
  }

  /**
   * Revokes a token. Resolves (true when it was there) once its absence is in the file, including when
   * another request's revocation of it is still being written.
   */
  async revoke(token: string): Promise<boolean> {
    this.#refuseIfClosed();
    const id = hash(token);
    if (!this.#records.has(id)) {
      await this.durable();
      return false;
    }
    await this.#delete(id);
    return true;
  }

  /** Revokes every token of a rotation family (reuse detection). */
  async revokeFamily(family: string): Promise<void> {
    this.#refuseIfClosed();
    let written = this.durable();
    for (const [id, record] of this.#records) if (record.family === family) written = this.#delete(id);
    return written;
  }

  /**
   * Revokes every refresh token of a deleted user (see `userDeletedAt`); resolves once that is in the file,
   * including when another request's revocation of them is still being written.
   */
  async revokeUser(tenant: string, userId: string, at: number): Promise<void> {
    this.#refuseIfClosed();
    let written = this.durable();
    for (const [id, record] of this.#records) {
      if (record.tenant !== tenant || record.userId !== userId || record.userDeletedAt !== undefined) continue;
      const revoked = { ...record, userDeletedAt: at };
      this.#put(id, revoked);
      written = this.#log({ put: id, record: revoked });
    }
    await written;
  }

  /** Revokes every refresh token (a reset). */
  async clear(): Promise<void> {
    this.#refuseIfClosed();
    this.#records.clear();
    this.#active.clear();
    return this.#log({ clear: true });
  }

  get size(): number {
    return this.#records.size;
  }

  /**
   * Resolves once every change made so far is in the file: an answer that depends on the store's state
   * (a token refused because a concurrent request revoked it) waits for that state to be durable.
   */
  durable(): Promise<void> {
    return this.#next?.done ?? this.#writing?.done ?? DONE;
  }

  /**
   * Waits for every change so far to be written, then closes the file. Changes after this are refused (a
   * request still in flight when the emulator closed gets a 500), and the file is never opened again.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.durable().catch(() => {});
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  #refuseIfClosed(): void {
    if (this.#closed) throw new StateError('The emulator is closed: refresh-token changes are no longer saved.');
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
    if (record.rotatedAt === undefined && record.userDeletedAt === undefined) {
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

  #delete(id: string): Promise<void> {
    this.#forget(id);
    return this.#log({ del: id });
  }


  /** Adds a change to the pending batch and returns the promise of that batch. */
  #log(change: Change): Promise<void> {
    if (!this.#file) return DONE;
    const batch = (this.#next ??= newBatch());
    batch.lines.push(JSON.stringify(change));
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        void this.#writeNext();
      });
    }
    return batch.done;
  }

  /** Writes the pending batch, then the one that gathered meanwhile, until none is left. */
  async #writeNext(): Promise<void> {
    let batch: Batch | undefined;
    while (!this.#writing && (batch = this.#next)) {
      this.#next = undefined;
      this.#writing = batch;
      try {
        // Rewriting pays once the log is mostly dead lines (more than twice the live tokens, plus 10,000: at
        // 200 tokens per user, a busy login loop rewrites about 60 kB every few thousand logins).
        if (this.#lost || this.#lines + batch.lines.length > 2 * this.#records.size + 10_000) await this.#rewrite();
        else await this.#append(batch.lines);
        batch.resolve();
      } catch (err) {
        this.#lost = true;
        batch.reject(err instanceof StateError ? err : new StateError(`Cannot write the refresh-token log ${this.#file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      } finally {
        this.#writing = undefined;
      }
    }
  }

  async #openHandle(): Promise<FileHandle> {
    const file = this.#file!;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    this.#handle = await open(file, 'a', 0o600);
    return this.#handle;
  }

  async #append(lines: readonly string[]): Promise<void> {
    const handle = this.#handle ?? (await this.#openHandle());
    const data = Buffer.from(`${this.#openLine ? '\n' : ''}${lines.join('\n')}\n`);
    this.#openLine = false;
    for (let offset = 0; offset < data.length; ) offset += (await handle.write(data, offset)).bytesWritten;
    this.#lines += lines.length;
    // The handle's file was renamed over or deleted (by hand, or by another process on the same folder):
    // what was just written went nowhere, so write it all again, where it belongs.
    if (fstatSync(handle.fd).nlink === 0) await this.#rewrite();
  }

  /** Replaces the log with one line per live token, as memory has them now, and reopens the handle on it. */
  async #rewrite(): Promise<void> {
    const file = this.#file!;
    const body = [...this.#records].map(([id, record]) => `${JSON.stringify({ put: id, record })}\n`).join('');
    const lines = this.#records.size;
    const tmp = `${file}.${process.pid}.tmp`;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    try {
      const out = await open(tmp, 'w', 0o600);
      try {
        await out.writeFile(body);
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    await syncFolder(dirname(file));
    const previous = this.#handle;
    this.#handle = undefined;
    await previous?.close().catch(() => {});
    await this.#openHandle();
    this.#lines = lines;
    this.#lost = false;
    this.#openLine = false;
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

/** Temp files of rewrites that a crash interrupted (`refresh-tokens.jsonl.<pid>.tmp`, that pid gone). */
async function removeStaleTemps(file: string): Promise<void> {
  const name = basename(file);
  const entries = await readdir(dirname(file)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const stale = entries.filter((entry) => {
    const pid = /^\.(\d+)\.tmp$/.exec(entry.slice(name.length))?.[1];
    // Our own pid too: a restarted container often gets the pid its crashed run had.
    return entry.startsWith(`${name}.`) && pid !== undefined && (Number(pid) === process.pid || !isRunning(Number(pid)));
  });
  await Promise.all(stale.map((entry) => rm(join(dirname(file), entry), { force: true })));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Makes a rename in `dir` durable (POSIX); Windows cannot open a folder for this, and needs no such step. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
