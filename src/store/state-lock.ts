/**
 * One process at a time in a state folder: `emulator.lock` there names the holder's pid and, once it listens,
 * its URL. The file store is a log only its own process reads, so a second process on the folder would
 * write tokens the first never sees and rewrite the file under it. A second emulator is refused with one
 * line naming the first; the `token` command asks the running emulator to mint instead (token-command.ts).
 *
 * The lock is created whole or not at all (written to a temp file, then hard-linked to its name, which fails
 * if the name exists). A lock whose process is gone (kill -9, a crash) is stale and taken over: renamed
 * aside, and put back if what was moved turns out to be another process's fresh lock. A pid can be reused by
 * an unrelated program; the refusal then says which file to delete. A lock naming this process's own pid is
 * this process's (another emulator here, perhaps in another worker thread) only if it also names this
 * process's start time; otherwise it is a crashed run's (a restarted container often gets its pid back).
 *
 * A holder that does not listen (yet) may be an emulator starting up or a `token` command writing: the
 * acquirer waits for it to listen or leave, up to WAIT_MS, before giving up.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateError, stateError } from './state-error.js';
import { isRunning, readIfThere, removeStaleTemps, tempName } from './fs-util.js';

export const LOCK_FILE = 'emulator.lock';
const WAIT_MS = 10_000;
const POLL_MS = 50;
/** When this process started (epoch ms), the same in every worker thread of it, to within a few ms. */
const PROCESS_START = Math.round(Date.now() - process.uptime() * 1000);

export interface LockHolder {
  readonly pid: number;
  /** When its process started (epoch ms): tells this process from an earlier one with the same pid. */
  readonly started: number;
  /** Where it listens (its control plane mints tokens); absent until it listens. */
  readonly url?: string;
  readonly since: string;
  readonly id: string;
}

/** The state folder is in use by a live process (`holder`). */
export class StateFolderBusy extends StateError {
  readonly holder: LockHolder;
  constructor(dir: string, file: string, holder: LockHolder) {
    super(
      holder.url === undefined
        ? `Cannot use the state folder ${dir}: process ${holder.pid} is using it (an auth-emulator that does not listen, or a token command). Stop it, or use another state folder (--state-dir); if no auth-emulator runs, delete ${file}.`
        : `Cannot use the state folder ${dir}: the auth-emulator at ${holder.url} (pid ${holder.pid}) is using it. Stop it, or use another state folder (--state-dir).`,
    );
    this.holder = holder;
  }
}

/** Lock files this thread holds (or is taking). */
const held = new Set<string>();

export class StateLock {
  readonly #file: string;
  #holder: LockHolder;

  private constructor(file: string, holder: LockHolder) {
    this.#file = file;
    this.#holder = holder;
  }

  /**
   * Takes the folder's lock (creating the folder). Waits up to WAIT_MS while the holder does not listen.
   * @throws StateFolderBusy when a live process holds it; StateError when the folder cannot be used.
   */
  static async acquire(dir: string): Promise<StateLock> {
    const file = join(dir, LOCK_FILE);
    const deadline = Date.now() + WAIT_MS;
    const fail = (err: unknown) => {
      throw err instanceof StateError ? err : stateError(dir, file, err);
    };
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch(fail);
    for (;;) {
      if (!held.has(file)) {
        held.add(file);
        const holder: LockHolder = { pid: process.pid, started: PROCESS_START, since: new Date().toISOString(), id: randomUUID() };
        const created = await createWhole(file, holder).catch((err: unknown) => {
          held.delete(file);
          return fail(err);
        });
        if (created) {
          // Not this process's own: another thread of it may be writing one.
          await removeStaleTemps(file, { ownPid: false }).catch(() => {});
          return new StateLock(file, holder);
        }
        held.delete(file);
      }
      const text = await readIfThere(file).catch(fail);
      if (text !== undefined) {
        const holder = parseHolder(text);
        const live = holder !== undefined && (holder.pid === process.pid ? Math.abs(holder.started - PROCESS_START) < 2_000 : isRunning(holder.pid));
        if (!live) {
          await removeStale(file, text).catch(fail);
          continue;
        }
        if (holder!.url !== undefined || Date.now() >= deadline) throw new StateFolderBusy(dir, file, holder!);
      }
      await sleep(POLL_MS);
    }
  }

  /** Adds the URL the holder listens at (a `token` command then asks it to mint). */
  async publish(url: string): Promise<void> {
    const holder = { ...this.#holder, url };
    const tmp = tempName(this.#file, letters());
    try {
      await writeFile(tmp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
      await rename(tmp, this.#file);
    } catch (err) {
      throw stateError(dirname(this.#file), this.#file, err);
    }
    this.#holder = holder;
  }

  /** Removes the lock, if it is still this one. */
  async release(): Promise<void> {
    if (!held.delete(this.#file)) return;
    const text = await readIfThere(this.#file).catch(() => undefined);
    if (text !== undefined && parseHolder(text)?.id === this.#holder.id) await rm(this.#file, { force: true });
  }
}

/** Creates `file` holding `holder`, whole; false if it exists. */
async function createWhole(file: string, holder: LockHolder): Promise<boolean> {
  const tmp = tempName(file, letters());
  await writeFile(tmp, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Removes a stale lock whose text was `stale`, unless another process has replaced it meanwhile. */
async function removeStale(file: string, stale: string): Promise<void> {
  const aside = tempName(file, letters());
  try {
    await rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw err;
  }
  // What was moved is another process's fresh lock: put it back (unless a third has locked meanwhile).
  if ((await readIfThere(aside)) !== stale) await link(aside, file).catch(() => {});
  await rm(aside, { force: true });
}

/** Eight random letters: temp names unique to one attempt (worker threads share the pid). */
const letters = () => [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('');

function parseHolder(text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && Number.isInteger(h.pid) && h.pid > 0 && typeof h.started === 'number' && typeof h.id === 'string') {
      return { pid: h.pid, started: h.started, id: h.id, since: String(h.since), ...(typeof h.url === 'string' ? { url: h.url } : {}) };
    }
  } catch {
    // not a lock this version wrote: stale
  }
  return undefined;
}
