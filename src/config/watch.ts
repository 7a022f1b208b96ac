/**
 * Watches the config file and every file it names (extension code, key files). Editors save in different
 * ways (write in place, truncate + write, write a temp file and rename it over, several writes in a row);
 * watching each file's folder (depth 0) and filtering by path sees all of them, including a file that is
 * deleted and created again. Events are debounced briefly so one save is one reload.
 *
 * chokidar drops a `change` that comes within 50 ms of the previous one for the same path (a per-path throttle
 * with no trailing event), so a save right after another one would go unreported and the old content keep
 * serving. So each file's stat (inode, size, mtime) is noted as a reload starts (stampFiles), and a moment
 * after the throttle window of every event the files are stat'ed again: one that moved since is a save no
 * event told of, and triggers a reload.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export const RELOAD_DEBOUNCE_MS = 40;
/** Past chokidar's 50 ms throttle of `change` events. */
const TRAILING_CHECK_MS = 60;

export class ConfigWatcher {
  readonly #onChange: () => void;
  #files = new Set<string>();
  #watcher: FSWatcher | undefined;
  #dirs = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #trailing: NodeJS.Timeout | undefined;
  /** Each file's stat as the last reload started (or as watching started). */
  #stamps = new Map<string, string>();

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Watches exactly these files from now on (their folders are watched; other files there are ignored). */
  async watchFiles(files: Iterable<string>): Promise<void> {
    this.#files = new Set([...files].map((f) => resolve(f)));
    if (!this.#watcher) this.stampFiles();
    const dirs = new Set([...this.#files].map((f) => dirname(f)));
    const added = [...dirs].filter((d) => !this.#dirs.has(d));
    const removed = [...this.#dirs].filter((d) => !dirs.has(d));
    this.#dirs = dirs;
    if (!this.#watcher) {
      this.#watcher = watch([...dirs], {
        ignoreInitial: true,
        depth: 0,
        ignored: (path, stats) => stats?.isFile() === true && !this.#files.has(resolve(path)),
      });
      this.#watcher.on('all', (_event, path) => {
        if (!this.#files.has(resolve(path))) return;
        this.#schedule();
        clearTimeout(this.#trailing);
        this.#trailing = setTimeout(() => {
          if ([...this.#files].some((f) => stampOf(f) !== this.#stamps.get(f))) this.#schedule();
        }, TRAILING_CHECK_MS);
      });
      this.#watcher.on('error', () => {
        // A folder that vanished or cannot be read: the next save elsewhere still reloads.
      });
      await new Promise<void>((r) => this.#watcher!.once('ready', () => r()));
    } else {
      if (added.length) this.#watcher.add(added);
      if (removed.length) this.#watcher.unwatch(removed);
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onChange(), RELOAD_DEBOUNCE_MS);
  }

  /** Notes each file's stat as a reload starts reading them. */
  stampFiles(): void {
    this.#stamps = new Map([...this.#files].map((f) => [f, stampOf(f)]));
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    clearTimeout(this.#trailing);
    await this.#watcher?.close();
    this.#watcher = undefined;
  }
}

function stampOf(file: string): string {
  try {
    const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
    return stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : 'missing';
  } catch {
    return 'unreadable';
  }
}
