/**
 * A state folder (`.auth-emulator/` or `--state-dir`) the emulator cannot use: one line that names the path
 * and says what is wrong with it, for the CLI to print as is (as it does for broken key files), instead of
 * a stack trace from deep in node:fs.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmulatorError } from '../errors.js';

export class StateError extends EmulatorError {}

/** `err` (from node:fs, on `path`) as a StateError about the state folder `dir`. */
export function stateError(dir: string, path: string, err: unknown): StateError {
  if (err instanceof StateError) return err;
  const problem = whatIsWrong(path, err as NodeJS.ErrnoException);
  return new StateError(`Cannot use the state folder ${dir}: ${problem.startsWith(`${dir} `) ? `it${problem.slice(dir.length)}` : problem}.`);
}

function whatIsWrong(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EISDIR':
      return `${path} is a folder, not a file`;
    case 'ENOTDIR':
    case 'EEXIST': {
      // Some folder on the way is a file: name that one (mkdir -p and open only say the path failed).
      const file = firstNonFolder(path);
      return file ? `${file} is a file, not a folder` : `${path}: ${err.code}`;
    }
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied`;
    case 'EROFS':
      return `${path} is on a read-only file system`;
    case 'ENOSPC':
      return `no space left on the device for ${path}`;
    default:
      return `${path}: ${err.code ?? err.message}`;
  }
}

/** The first existing path, from the root down to `path`, that is not a folder (`path` itself included). */
function firstNonFolder(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat) return undefined;
    if (!stat.isDirectory()) return p;
  }
  return undefined;
}
