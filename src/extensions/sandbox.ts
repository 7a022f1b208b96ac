/**
 * The emulator's face of the worker pools: runs jobs with a tenant's limits and tags everything extension
 * code prints with the tenant, the file and the request, as it happens. Also carries the main thread's own
 * notes about extensions (claims refused, what changed a token) into the same stream.
 */
import { closedError, MAX_PENDING, SandboxPool, type Job } from './pool.js';

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

/** A tenant's limits on one run of its extension code. */
export interface Limits {
  readonly timeoutMs: number;
  readonly memoryMb: number;
}

/** Runs whose tags are kept (for lines printed after a run ended); several tenants may each have MAX_PENDING. */
const MAX_TRACKED_JOBS = 10 * MAX_PENDING;

export class Sandbox {
  /** One pool per memory limit (a worker's limit is set when it starts); job ids are unique across them. */
  readonly #pools = new Map<number, SandboxPool>();
  /** Pools of memory limits no tenant uses since a reload: their runs finish, their workers stop. */
  readonly #retired = new Set<SandboxPool>();
  readonly #jobs = new Map<number, Tag>();
  readonly #emit: (entry: ExtensionLogEntry) => void;
  #nextId = 1;
  #closed = false;

  constructor(emit: (entry: ExtensionLogEntry) => void) {
    this.#emit = emit;
  }

  #pool(memoryMb: number): SandboxPool {
    let pool = this.#pools.get(memoryMb);
    if (!pool) {
      pool = new SandboxPool(
        (log) => {
          const owner = log.jobId === undefined ? undefined : this.#jobs.get(log.jobId);
          this.note(owner ?? { tenant: '-', requestId: undefined }, log.file, log.level, log.text);
        },
        memoryMb,
        () => this.#nextId++,
      );
      this.#pools.set(memoryMb, pool);
    }
    return pool;
  }

  /**
   * The memory limits the config's tenants use (at start and after each reload): a worker boots now for each,
   * instead of at the first request, and the pools of limits no longer used are retired.
   */
  warm(memoryLimits: Iterable<number>): void {
    if (this.#closed) return;
    const limits = new Set(memoryLimits);
    for (const [memoryMb, pool] of this.#pools) {
      if (limits.has(memoryMb)) continue;
      this.#pools.delete(memoryMb);
      pool.retire();
      this.#retired.add(pool);
    }
    for (const pool of this.#retired) if (pool.empty) this.#retired.delete(pool);
    for (const memoryMb of limits) this.#pool(memoryMb).warm();
  }

  /** Runs a job on a worker (created on first use). */
  run(job: Job, limits: Limits, tag: Tag): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedError());
    const { id, result } = this.#pool(limits.memoryMb).run(job, limits.timeoutMs);
    this.#jobs.set(id, tag);
    // Late logs (a timer firing after the job ended) still find their request for a while.
    if (this.#jobs.size > MAX_TRACKED_JOBS) this.#jobs.delete(this.#jobs.keys().next().value!);
    return result;
  }

  note(tag: Tag, file: string, level: string, text: string): void {
    this.#emit({ time: new Date().toISOString(), tenant: tag.tenant, requestId: tag.requestId, file, level, text });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#pools.values(), ...this.#retired].map((pool) => pool.close()));
  }
}
