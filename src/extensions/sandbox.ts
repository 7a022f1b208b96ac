/**
 * The emulator's face of the worker pool: runs jobs with a tenant's timeout and tags everything extension
 * code prints with the tenant, the file and the request, as it happens. Also carries the main thread's own
 * notes about extensions (claims refused, what changed a token) into the same stream.
 */
import { SandboxPool, type Job } from './pool.js';

export interface ExtensionLogEntry {
  time: string;
  tenant: string;
  requestId: string | undefined;
  /** The extension file, as named in the config. */
  file: string;
  /** console level (`log`, `info`, `warn`, `error`, `debug`), or `explain` for token change summaries. */
  level: string;
  text: string;
}

export interface Tag {
  tenant: string;
  requestId: string | undefined;
}

const MAX_TRACKED_JOBS = 1_000;

export class Sandbox {
  #pool: SandboxPool | undefined;
  readonly #jobs = new Map<number, Tag>();
  readonly #emit: (entry: ExtensionLogEntry) => void;

  constructor(emit: (entry: ExtensionLogEntry) => void) {
    this.#emit = emit;
  }

  #ensurePool(): SandboxPool {
    this.#pool ??= new SandboxPool((log) => {
      const owner = log.jobId === undefined ? undefined : this.#jobs.get(log.jobId);
      this.note(owner ?? { tenant: '-', requestId: undefined }, log.file, log.level, log.text);
    });
    return this.#pool;
  }

  /** Boots a worker now (when a config has extension code), instead of at the first request. */
  warm(): void {
    this.#ensurePool().warm();
  }

  /** Runs a job on a worker (created on first use). */
  run(job: Job, timeoutMs: number, tag: Tag): Promise<unknown> {
    const { id, result } = this.#ensurePool().run(job, timeoutMs);
    this.#jobs.set(id, tag);
    // Late logs (a timer firing after the job ended) still find their request for a while.
    if (this.#jobs.size > MAX_TRACKED_JOBS) this.#jobs.delete(this.#jobs.keys().next().value!);
    return result;
  }

  note(tag: Tag, file: string, level: string, text: string): void {
    this.#emit({ time: new Date().toISOString(), tenant: tag.tenant, requestId: tag.requestId, file, level, text });
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }
}
