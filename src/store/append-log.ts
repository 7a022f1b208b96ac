/**
 * An append-only log of changes, one JSON object per line, appended through one file handle kept open in
 * append mode (mode 0600, in a folder of mode 0700). When the log holds many more lines than the state it
 * describes, it is rewritten from that state (temp file, fsync, rename, fsync of the folder), as at start-up.
 *
 * Durability: append() returns a promise that resolves once its line has been written. Writes use group
 * commit: a line joins the pending batch; when no write is in flight the batch is written at once (once the
 * current microtasks have run, so that the changes one request makes together go in one write); lines that
 * arrive while a write is in flight make up the next batch, written as soon as that write returns. Under load
 * a write carries several requests' changes; an idle emulator pays one write per change, and never waits for
 * a timer. Writes are asynchronous (libuv's thread pool): a stalled disk holds up the answers that wait for
 * it, not the event loop.
 *
 * Written means write(2) returned, not fdatasync(2): the line is then in the kernel's page cache, which a
 * killed or crashed emulator (kill -9, an OOM kill, a crash) cannot lose; only a crash of the machine can.
 * That is the bar for a local emulator, whose state is test data. Measured with bench/durability.js (2 shared
 * cores; docs/benchmarks.md): with write only, the refresh, revoke and password paths stay within the noise
 * of the 250 ms timer this replaced; an fdatasync per batch took them to about 0.5× (rotating refresh), 0.7×
 * (revoke) and 0.7× (password with offline_access). Rewrites do fsync, because a rename can reach the disk
 * before the data it names, and a power loss would then leave an empty log instead of the old one.
 *
 * A failed write (disk full, folder removed) is not acknowledged: the promise rejects with a StateError (the
 * request gets a 500), and the next write rewrites the whole file from the state, since the failed write may
 * have left half a line behind. If the file is replaced or removed behind the emulator's back (its handle then
 * points at a file no longer in the folder), the next write notices and rewrites it.
 */
import { fstatSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StateError } from './state-error.js';
import { readIfThere, removeStaleTemps, syncFolder, tempName } from './fs-util.js';

/** What the log describes: its lines are replayed into it, and a rewrite writes it out. */
export interface LogState {
  /** Applies one line read from the file (a line that does not parse, cut short by a crash, is skipped). */
  replay(line: string): void;
  /** The lines that rebuild the state as it is now. */
  lines(): string[];
  /** How many lines lines() would give, to know when a rewrite would shrink the file a lot. */
  readonly size: number;
}

/** Lines written together; `done` settles when they are in the file (or the write failed). */
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

export class AppendLog {
  readonly #file: string;
  readonly #state: LogState;
  /** The append handle; opened at start, reopened after a rewrite. */
  #handle: FileHandle | undefined;
  /** Lines not yet handed to a write. */
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

  private constructor(file: string, state: LogState) {
    this.#file = file;
    this.#state = state;
  }

  /**
   * Replays the file into `state` and opens it for appending; a file with dead lines, or a last line cut short,
   * is rewritten first. Errors are node:fs's (the caller names the state folder).
   */
  static async open(file: string, state: LogState): Promise<AppendLog> {
    const log = new AppendLog(file, state);
    try {
      await removeStaleTemps(file);
      const text = await readIfThere(file);
      const lines = text === undefined ? [] : text.split('\n').filter(Boolean);
      for (const line of lines) state.replay(line);
      log.#lines = lines.length;
      log.#openLine = text !== undefined && text !== '' && !text.endsWith('\n');
      if (lines.length > state.size || log.#openLine) await log.#rewrite();
      else await log.#openHandle();
    } catch (err) {
      await log.#handle?.close().catch(() => {});
      throw err;
    }
    return log;
  }

  /** Adds a line to the pending batch; resolves once it (and every line before it) is in the file. */
  append(line: string): Promise<void> {
    const batch = (this.#next ??= newBatch());
    batch.lines.push(line);
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        void this.#writeNext();
      });
    }
    return batch.done;
  }

  /** Resolves once every line appended so far is in the file. */
  durable(): Promise<void> {
    return this.#next?.done ?? this.#writing?.done ?? DONE;
  }

  /** Waits for every line so far to be written, then closes the file. */
  async close(): Promise<void> {
    await this.durable().catch(() => {});
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  /** Writes the pending batch, then the one that gathered meanwhile, until none is left. */
  async #writeNext(): Promise<void> {
    let batch: Batch | undefined;
    while (!this.#writing && (batch = this.#next)) {
      this.#next = undefined;
      this.#writing = batch;
      try {
        // Rewriting pays once the log is mostly dead lines (more than twice the live state, plus 10,000: at
        // 200 refresh tokens per user, a busy login loop rewrites about 60 kB every few thousand logins).
        if (this.#lost || this.#lines + batch.lines.length > 2 * this.#state.size + 10_000) await this.#rewrite();
        else await this.#append(batch.lines);
        batch.resolve();
      } catch (err) {
        this.#lost = true;
        batch.reject(err instanceof StateError ? err : new StateError(`Cannot write the state log ${this.#file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      } finally {
        this.#writing = undefined;
      }
    }
  }

  async #openHandle(): Promise<FileHandle> {
    await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
    this.#handle = await open(this.#file, 'a', 0o600);
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

  /** Replaces the log with the lines of the state as it is now, and reopens the handle on it. */
  async #rewrite(): Promise<void> {
    const file = this.#file;
    const lines = this.#state.lines();
    const body = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    const tmp = tempName(file);
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
    this.#lines = lines.length;
    this.#lost = false;
    this.#openLine = false;
  }
}
