/**
 * Watches the config file and every file it names (extension code, key files). Editors save in different
 * ways (write in place, truncate + write, write a temp file and rename it over, several writes in a row);
 * watching each file's folder (depth 0) and filtering by path sees all of them, including a file that is
 * deleted and created again. Events are debounced briefly so one save is one reload.
 */
import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export const RELOAD_DEBOUNCE_MS = 40;

export class ConfigWatcher {
  readonly #onChange: () => void;
  #files = new Set<string>();
  #watcher: FSWatcher | undefined;
  #dirs = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Watches exactly these files from now on (their folders are watched; other files there are ignored). */
  async watchFiles(files: Iterable<string>): Promise<void> {
    this.#files = new Set([...files].map((f) => resolve(f)));
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
        if (this.#files.has(resolve(path))) this.#schedule();
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

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#watcher?.close();
    this.#watcher = undefined;
  }
}
