/** Small file-system steps the file store and the state-folder lock share. */
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file's text, or undefined when there is no such file. */
export async function readIfThere(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

/** Whether a process with this pid exists (one of another user's counts). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The temp name of `file` for this process: `<file>.<pid>.tmp`, or `<file>.<pid>.<what>.tmp`. A crash leaves it
 * behind; removeStaleTemps finds it by its pid.
 */
export function tempName(file: string, what?: string): string {
  return `${file}.${process.pid}${what ? `.${what}` : ''}.tmp`;
}

/**
 * Temp files of `file` (see tempName) whose process is gone: a write a crash interrupted. Those of this
 * process's pid too, unless `ownPid` is false: a restarted container often gets the pid its crashed run had.
 */
export async function removeStaleTemps(file: string, options: { ownPid?: boolean } = {}): Promise<void> {
  const name = basename(file);
  const entries = await readdir(dirname(file)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const stale = entries.filter((entry) => {
    const pid = /^\.(\d+)(?:\.[a-z]+)?\.tmp$/.exec(entry.slice(name.length))?.[1];
    if (pid === undefined || !entry.startsWith(`${name}.`)) return false;
    return Number(pid) === process.pid ? options.ownPid !== false : !isRunning(Number(pid));
  });
  await Promise.all(stale.map((entry) => rm(join(dirname(file), entry), { force: true })));
}

/** Makes a rename in `dir` durable (POSIX); Windows cannot open a folder for this, and needs no such step. */
export async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
