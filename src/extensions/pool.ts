/**
 * A pool of sandbox workers: child processes running sandbox-worker.js, so that nothing extension code does
 * to its own process (a synchronous loop, `process.exit`, `process.kill(process.pid)`, a native crash, more
 * memory than allowed) can stop the emulator. Such a worker is stopped or dies, the runs it held fail, and a
 * new worker takes its place. Workers never keep the emulator's process alive.
 *
 * Scheduling (issue 10, finding 4):
 * - A run's deadline starts when it is submitted. Past it the run fails with ExtensionTimeout, whether it was
 *   still waiting for a worker or running; a running one is cancelled in its worker, which keeps serving.
 * - A worker runs many jobs at once: a rule waiting on I/O, or on a callback it never calls, is idle, not busy.
 *   A job goes to an idle worker, else to one that finished a job within BUSY_MS, else it waits for a worker being
 *   started (up to `max`), else it goes to the least-loaded one. So a light load runs on one worker, and a
 *   worker busy in a long run gets company. Extra workers idle for IDLE_MS are stopped.
 * - A worker tells when it starts a job. Workers are pinged; one that has not answered for STUCK_MS is stuck
 *   (a synchronous loop): it gets no new jobs, a spare may start beside it, and the jobs sent to it that it
 *   has not started move to another worker at once (cancelled on the stuck one, which would read the cancel
 *   before it could start them). A stuck worker that holds a job past its deadline, or holds none, is killed
 *   and replaced, and the jobs it held that still have time are run again on another worker.
 * - At most MAX_PENDING runs per tenant are in progress or waiting; past that a run fails at once
 *   (ExtensionLimit), and other tenants' runs are unaffected.
 * - Memory: each worker has a limit on its resident set (enforced by its own watchdog thread) and half of it
 *   as V8's heap limit. A worker that dies of either (or of anything else) fails the jobs it had started
 *   (which of them used the memory cannot be told), and the ones it had not started run on another worker.
 * - Messages from a worker are checked: code in it can reach its IPC channel, and a malformed message is
 *   treated as the worker dying, never as an exception in the emulator.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface ExtensionLog {
  jobId: number | undefined;
  file: string;
  level: string;
  text: string;
}

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

/**
 * A run the emulator ended, not the code: `publicText` is what the client is told, the message is for the log.
 */
export class ExtensionLimit extends Error {
  readonly publicText: string;
  constructor(publicText: string, logDetail: string) {
    super(logDetail);
    this.publicText = publicText;
  }
}

// NOTE(emulator): Auth0 documents this text for a webtask over its time limit (reference §8), not the status or code.
const TIMEOUT_TEXT = 'Request to Webtask exceeded allowed execution time';
// NOTE(emulator): Auth0 documents no memory limit for extension code nor an error for it; this text follows
// the timeout's.
const MEMORY_TEXT = 'Request to Webtask exceeded allowed memory';
// NOTE(emulator): Auth0 answers `resource_exhausted` when a tenant has too many extension runs in flight
// (community.auth0.com/t/137738); here the bound is MAX_PENDING runs per tenant.
const OVERLOAD_TEXT = 'resource_exhausted';

export class ExtensionTimeout extends ExtensionLimit {
  constructor(logDetail: string) {
    super(TIMEOUT_TEXT, logDetail);
  }
}

export class ExtensionFailed extends Error {
  readonly detail: SerializedError;
  constructor(detail: SerializedError) {
    super(detail.message);
    this.detail = detail;
  }
}

/**
 * Inputs cross to the worker as JSON text, not as objects: one string is copied, instead of an object graph
 * serialized on the main thread (the larger part of a rule's main-thread cost, measured), and the worker
 * parses the text straight into the extension's own context. Results come back as JSON text too.
 */
export interface Job {
  kind: 'rules' | 'hook-credentials-exchange' | 'hook-password-exchange' | 'actions-post-login' | 'actions-credentials-exchange';
  tenant: string;
  scripts: readonly { file: string; name: string; source: string; hash: string }[];
  /** The function's arguments as JSON texts (rules: user, context; hooks: theirs; Actions: the event); undefined stays undefined. */
  input: (string | undefined)[];
  /** Rules: the `configuration` object, as JSON text. */
  configuration?: string;
  /** Post-login Actions: what `api.redirect.canRedirect()` answers (the flow is interactive). */
  canRedirect?: boolean;
  /**
   * Post-login Actions, back from a redirect (`/continue`): the first script is the Action that redirected, and
   * its `onContinuePostLogin` runs instead of `onExecutePostLogin`; the others run as usual.
   */
  continued?: boolean;
}

/** Arguments as a Job's input: JSON texts, with undefined kept (JSON would make it null in an array). */
export const jsonArgs = (...args: unknown[]): (string | undefined)[] => args.map((a) => (a === undefined ? undefined : JSON.stringify(a)));

const jsonOf = new WeakMap<object, string>();
/** JSON text of a value that never changes (a snapshot's rules configuration), computed once. */
export function asJson(value: object): string {
  let text = jsonOf.get(value);
  if (text === undefined) jsonOf.set(value, (text = JSON.stringify(value)));
  return text;
}

/** Runs of one tenant in progress or waiting, at most; past that its next run fails at once. */
export const MAX_PENDING = 1_000;
/** How often workers are pinged, and how long one may go without answering before it counts as stuck. */
const PING_MS = 100;
const STUCK_MS = 250;
/** A worker with jobs that has finished none for this long is busy (or its jobs all wait): new jobs go elsewhere. */
const BUSY_MS = 50;
/** An extra worker idle this long is stopped (one always stays). */
const IDLE_MS = 30_000;
/** How long to wait for a dead worker's last words (stderr, the watchdog's note) after it exited. */
const LAST_WORDS_MS = 200;

const WORKER_PATH = fileURLToPath(new URL('./sandbox-worker.js', import.meta.url));

interface Pending {
  readonly id: number;
  readonly job: Job;
  readonly timeoutMs: number;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: Error) => void;
  worker: Worker | undefined;
  /** Its worker said it started it (the code may have run: moving it elsewhere would run it twice). */
  started: boolean;
}

interface Worker {
  readonly child: ChildProcess;
  /** Jobs sent to it and not yet settled. */
  readonly jobs: Map<number, Pending>;
  /** Scripts (path and hash) whose source it has been sent. */
  readonly known: Set<string>;
  ready: boolean;
  stuck: boolean;
  /** A job it held passed its deadline since its last answer to a ping. */
  overdue: boolean;
  /** The last job it held that passed its deadline (for the log line when it is killed). */
  lastExpired: number | undefined;
  pingSentAt: number | undefined;
  /** When it last finished a job, and since when it has held none. */
  doneAt: number;
  idleSince: number | undefined;
  /** Removed from the pool: killed by it, or dead. */
  gone: boolean;
  /** What it wrote on stderr (the end of it) and on the side channel. */
  stderr: string;
  side: string;
}

type WorkerMessage =
  | { t: 'ready' }
  | { t: 'pong' }
  | { t: 'started'; id: number }
  | { t: 'log'; id?: number; file?: string; level?: string; text?: string }
  | { t: 'done'; id: number; result: unknown }
  | { t: 'error'; id: number; error?: SerializedError };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

/** What a worker may send (code running in it can send anything on its channel). */
function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (!isObject(m)) return false;
  switch (m.t) {
    case 'ready':
    case 'pong':
      return true;
    case 'started':
      return Number.isSafeInteger(m.id);
    case 'log':
      return (m.id === undefined || Number.isSafeInteger(m.id)) && optionalString(m.file) && optionalString(m.level) && optionalString(m.text);
    case 'done':
      return Number.isSafeInteger(m.id) && typeof m.result === 'string';
    case 'error':
      return Number.isSafeInteger(m.id) && (m.error === undefined || (isObject(m.error) && typeof m.error.name === 'string' && typeof m.error.message === 'string' && optionalString(m.error.code)));
    default:
      return false;
  }
}

export class SandboxPool {
  readonly #onLog: (log: ExtensionLog) => void;
  readonly #memoryMb: number;
  readonly #max: number;
  readonly #workers = new Set<Worker>();
  readonly #queue: Pending[] = [];
  readonly #nextId: () => number;
  /** Runs in progress or waiting, per tenant. */
  readonly #pending = new Map<string, number>();
  #closed = false;
  /** No tenant uses this pool's memory limit any more: its workers stop once idle, the last one too. */
  #retired = false;
  #ticker: NodeJS.Timeout | undefined;
  #lastTick = 0;

  /**
   * @param memoryMb each worker's limit on its resident set; half of it is V8's heap limit
   * @param nextId job ids (shared by pools, so that log lines find their request)
   * @param max workers that are not stuck (spares beside stuck ones bring the total to twice that, at most)
   */
  constructor(onLog: (log: ExtensionLog) => void, memoryMb: number, nextId: () => number, max = Math.min(4, Math.max(2, availableParallelism()))) {
    this.#onLog = onLog;
    this.#memoryMb = memoryMb;
    this.#nextId = nextId;
    this.#max = max;
  }

  /** Runs a job; resolves with the worker's result, rejects with ExtensionFailed or ExtensionLimit. */
  run(job: Job, timeoutMs: number): { id: number; result: Promise<unknown> } {
    const id = this.#nextId();
    const result = new Promise<unknown>((resolve, reject) => {
      if (this.#closed) return reject(closedError());
      const pendingHere = this.#pending.get(job.tenant) ?? 0;
      if (pendingHere >= MAX_PENDING) {
        return reject(new ExtensionLimit(OVERLOAD_TEXT, `${MAX_PENDING} runs of tenant ${job.tenant}'s extension code were already in progress or waiting`));
      }
      const pending: Pending = { id, job, timeoutMs, resolve, reject, worker: undefined, started: false, timer: setTimeout(() => this.#expire(pending), timeoutMs) };
      this.#pending.set(job.tenant, pendingHere + 1);
      this.#queue.push(pending);
      this.#dispatch();
    });
    return { id, result };
  }

  /** Starts one worker ahead of the first job, so the first rule run does not wait for a process to boot. */
  warm(): void {
    if (this.#workers.size === 0 && !this.#closed) this.#spawn();
  }

  /** No tenant uses this pool's memory limit any more: runs in flight finish, then every worker stops. */
  retire(): void {
    this.#retired = true;
  }

  /** Whether the pool has nothing left: no worker, no run (a retired pool can then be forgotten). */
  get empty(): boolean {
    return this.#workers.size === 0 && this.#pending.size === 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#ticker);
    const closed = closedError();
    for (const pending of this.#queue.splice(0)) this.#settle(pending).reject(closed);
    const exits = [...this.#workers].map((w) => {
      for (const pending of [...w.jobs.values()]) this.#settle(pending).reject(closed);
      const exited = new Promise((r) => (w.child.exitCode !== null || w.child.signalCode !== null ? r(undefined) : w.child.once('exit', r)));
      this.#remove(w);
      // Workers are unref'd (they must not keep the emulator alive), so the wait for their exit must hold the
      // loop open: a process whose last work is close() would otherwise end first, close() never settling.
      w.child.ref();
      w.child.kill('SIGKILL');
      return exited;
    });
    await Promise.all(exits);
  }

  /** Takes a job out of the books (its timer, its worker) and returns it, to be resolved or rejected. */
  #settle(pending: Pending): Pending {
    clearTimeout(pending.timer);
    const left = (this.#pending.get(pending.job.tenant) ?? 1) - 1;
    if (left > 0) this.#pending.set(pending.job.tenant, left);
    else this.#pending.delete(pending.job.tenant);
    const worker = pending.worker;
    if (worker?.jobs.delete(pending.id) && worker.jobs.size === 0) worker.idleSince = performance.now();
    return pending;
  }

  #expire(pending: Pending): void {
    const worker = pending.worker;
    if (worker) {
      this.#settle(pending).reject(new ExtensionTimeout(`Extension code did not finish within ${pending.timeoutMs} ms`));
      worker.overdue = true;
      worker.lastExpired = pending.id;
      this.#send(worker, { t: 'cancel', id: pending.id });
      if (worker.stuck) this.#killStuck(worker);
      else this.#dispatch();
    } else {
      this.#queue.splice(this.#queue.indexOf(pending), 1);
      this.#settle(pending).reject(new ExtensionTimeout(`Extension code did not start within ${pending.timeoutMs} ms: no extension worker was free`));
    }
  }

  #dispatch(): void {
    if (this.#closed) return;
    while (this.#queue.length > 0) {
      const worker = this.#pick();
      if (!worker) break;
      this.#assign(this.#queue.shift()!, worker);
    }
  }

  /** Where the next job goes (see the top of this file); undefined: it waits for a worker being started. */
  #pick(): Worker | undefined {
    const now = performance.now();
    let idle: Worker | undefined;
    let answering: Worker | undefined;
    let leastLoaded: Worker | undefined;
    let booting = false;
    let working = 0;
    for (const w of this.#workers) {
      if (w.stuck) continue;
      working++;
      if (!w.ready) {
        booting = true;
        continue;
      }
      const load = w.jobs.size;
      if (load === 0) idle ??= w;
      else if (now - w.doneAt < BUSY_MS && (!answering || load < answering.jobs.size)) answering = w;
      if (!leastLoaded || load < leastLoaded.jobs.size) leastLoaded = w;
    }
    if (idle ?? answering) return idle ?? answering;
    if (booting) return undefined;
    if (working < this.#max && this.#workers.size < 2 * this.#max) {
      this.#spawn();
      return undefined;
    }
    return leastLoaded;
  }

  #assign(pending: Pending, worker: Worker): void {
    pending.worker = worker;
    pending.started = false;
    worker.jobs.set(pending.id, pending);
    worker.idleSince = undefined;
    const { job } = pending;
    const scripts = job.scripts.map(({ file, name, hash, source }) => {
      const key = `${file}\n${hash}`;
      if (worker.known.has(key)) return { file, name, hash };
      worker.known.add(key);
      return { file, name, hash, source };
    });
    this.#send(worker, { t: 'job', id: pending.id, kind: job.kind, tenant: job.tenant, scripts, input: job.input, configuration: job.configuration, canRedirect: job.canRedirect, continued: job.continued });
  }

  #send(worker: Worker, message: object): void {
    if (!worker.gone && worker.child.connected) worker.child.send(message);
  }

  #spawn(): Worker {
    const heapMb = Math.floor(this.#memoryMb / 2);
    const child = fork(WORKER_PATH, [String(this.#memoryMb * 1024 * 1024)], {
      execArgv: [`--max-old-space-size=${heapMb}`, '--no-warnings'],
      // stdin and stdout unused; stderr kept for a crash report; fd 4: the watchdog's side channel.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'],
    });
    const worker: Worker = { child, jobs: new Map(), known: new Set(), ready: false, stuck: false, overdue: false, lastExpired: undefined, pingSentAt: undefined, doneAt: 0, idleSince: undefined, gone: false, stderr: '', side: '' };
    this.#workers.add(worker);
    child.unref();
    child.channel?.unref();
    const stderr = child.stderr!;
    const side = child.stdio[4] as Readable;
    for (const stream of [stderr, side]) (stream as Readable & { unref?(): void }).unref?.();
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => (worker.stderr = (worker.stderr + text).slice(-16_384)));
    side.setEncoding('utf8');
    side.on('data', (text: string) => (worker.side = (worker.side + text).slice(-1_024)));

    child.on('message', (message: unknown) => {
      if (worker.gone) return;
      if (isWorkerMessage(message)) this.#onMessage(worker, message);
      else this.#misbehaved(worker, message);
    });
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      this.#died(worker, code, signal);
    };
    // 'close' comes once stderr and the side channel are read to their end; 'exit' may come first.
    child.on('close', end);
    child.on('exit', (code, signal) => setTimeout(() => end(code, signal), LAST_WORDS_MS).unref());
    // Could not be started (no exit follows), or the channel broke (it is stopped; its exit is handled as a death).
    child.on('error', (err) => {
      if (child.pid !== undefined) return void child.kill('SIGKILL');
      worker.stderr = err.message;
      end(null, null);
    });
    this.#startTicking();
    return worker;
  }

  #onMessage(worker: Worker, message: WorkerMessage): void {
    switch (message.t) {
      case 'done':
      case 'error': {
        worker.doneAt = performance.now();
        const pending = worker.jobs.get(message.id);
        if (!pending) return; // cancelled: it passed its deadline, or moved to another worker
        let result: unknown;
        if (message.t === 'done') {
          try {
            result = JSON.parse(message.result as string);
          } catch {
            return this.#misbehaved(worker, message);
          }
        }
        this.#settle(pending);
        if (message.t === 'error') pending.reject(new ExtensionFailed(message.error ?? { name: 'Error', message: 'unknown error' }));
        else pending.resolve(result);
        if (this.#queue.length > 0) this.#dispatch();
        return;
      }
      case 'started': {
        const pending = worker.jobs.get(message.id);
        if (pending) pending.started = true;
        return;
      }
      case 'log':
        this.#onLog({ jobId: message.id, file: message.file ?? '?', level: message.level ?? 'log', text: message.text ?? '' });
        return;
      case 'pong':
        worker.pingSentAt = undefined;
        worker.overdue = false;
        if (worker.stuck) {
          worker.stuck = false;
          this.#dispatch();
        }
        return;
      case 'ready':
        worker.ready = true;
        worker.idleSince = performance.now();
        this.#dispatch();
        return;
    }
  }

  #startTicking(): void {
    if (this.#ticker) return;
    this.#lastTick = performance.now();
    this.#ticker = setInterval(() => this.#tick(), PING_MS);
    this.#ticker.unref();
  }

  /** Pings every ready worker; marks the silent ones stuck, kills those that must go, stops extra idle ones. */
  #tick(): void {
    const now = performance.now();
    // After a stall of our own, unread answers may be waiting: judge nobody this time.
    const judge = now - this.#lastTick < 2 * PING_MS;
    this.#lastTick = now;
    for (const worker of [...this.#workers]) {
      if (!worker.ready) continue;
      const idleFor = worker.idleSince === undefined ? -1 : now - worker.idleSince;
      if (this.#retired ? idleFor >= 0 : idleFor > IDLE_MS && [...this.#workers].some((w) => w !== worker && !w.stuck)) {
        this.#remove(worker);
        worker.child.kill('SIGKILL');
      } else if (worker.pingSentAt === undefined) {
        worker.pingSentAt = now;
        this.#send(worker, { t: 'ping' });
      } else if (judge && now - worker.pingSentAt > STUCK_MS) {
        if (!worker.stuck) {
          worker.stuck = true;
          this.#note(worker, `an extension worker has not answered for ${STUCK_MS} ms (a synchronous loop?); new runs go to another worker`);
          this.#moveUnstarted(worker);
        }
        if (worker.overdue || worker.jobs.size === 0) this.#killStuck(worker);
        else this.#dispatch();
      }
    }
    if (this.#workers.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** A line about a worker, for each run it holds (so each request's log shows it), else for the last it held. */
  #note(worker: Worker, text: string, level = 'warn'): void {
    const ids = worker.jobs.size > 0 ? [...worker.jobs.keys()] : [worker.lastExpired];
    for (const jobId of ids) this.#onLog({ jobId, file: '-', level, text });
  }

  #remove(worker: Worker): void {
    worker.gone = true;
    this.#workers.delete(worker);
  }

  /**
   * Kills a stuck worker; the jobs it held still have time and run again elsewhere. NOTE(emulator): a job that
   * had started there (before another job's loop blocked it) runs again from the start, side effects included.
   */
  #killStuck(worker: Worker): void {
    const again = [...worker.jobs.values()];
    this.#note(worker, `the stuck extension worker was stopped and replaced${again.length ? `; ${again.length} run(s) it held run again on another worker` : ''}`);
    this.#remove(worker);
    worker.child.kill('SIGKILL');
    worker.jobs.clear();
    for (const pending of again) pending.worker = undefined;
    this.#queue.unshift(...again);
    this.#replace();
    this.#dispatch();
  }

  /** Starts a worker when none is left that answers, so the next run does not wait for one to boot. */
  #replace(): void {
    if (this.#closed || (this.#retired && this.#queue.length === 0)) return;
    if (![...this.#workers].some((w) => !w.stuck)) this.#spawn();
  }

  /**
   * Code in the worker wrote on its channel (a message of no known shape, a result that is not JSON): the
   * worker can no longer be trusted to report its runs. It is stopped, as if it had died.
   */
  #misbehaved(worker: Worker, message: unknown): void {
    worker.stderr = `it sent a malformed message (${JSON.stringify(message)?.slice(0, 100)})`;
    this.#remove(worker);
    worker.child.kill('SIGKILL');
    this.#fail(worker, new ExtensionFailed({ name: 'Error', message: `the extension worker stopped: ${worker.stderr}` }));
  }

  /** Takes the jobs a worker has not started off it, cancels them there, and queues them first for another. */
  #moveUnstarted(worker: Worker): void {
    const unstarted = [...worker.jobs.values()].filter((p) => !p.started);
    for (const pending of unstarted) {
      worker.jobs.delete(pending.id);
      pending.worker = undefined;
      this.#send(worker, { t: 'cancel', id: pending.id });
    }
    if (worker.jobs.size === 0) worker.idleSince = performance.now();
    this.#queue.unshift(...unstarted);
  }

  /** A worker that is gone: the jobs it started fail with `err`, the others run elsewhere; it is replaced. */
  #fail(worker: Worker, err: Error): void {
    const jobs = [...worker.jobs.values()];
    worker.jobs.clear();
    for (const pending of jobs) pending.worker = undefined;
    this.#queue.unshift(...jobs.filter((p) => !p.started));
    for (const pending of jobs) if (pending.started) this.#settle(pending).reject(err);
    if (!worker.ready) {
      // It died before it could take a job: fail what waits rather than start worker after worker.
      const cause = new ExtensionFailed({ name: 'Error', message: `the extension worker could not start: ${err.message}` });
      for (const pending of this.#queue.splice(0)) this.#settle(pending).reject(cause);
      return;
    }
    this.#replace();
    this.#dispatch();
  }

  /** A worker ended on its own: the jobs it started fail with the reason, and it is replaced. */
  #died(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (worker.gone) return;
    this.#remove(worker);
    const memory = /^memory (\d+)$/m.exec(worker.side);
    const heap = /Reached heap limit|JavaScript heap out of memory/.test(worker.stderr);
    let err: Error;
    if (memory || heap) {
      const detail = memory
        ? `the extension worker used ${Math.round(Number(memory[1]) / 2 ** 20)} MB, over its limit of ${this.#memoryMb} MB (extension_memory_mb)`
        : `the extension worker's JavaScript heap reached its limit of ${Math.floor(this.#memoryMb / 2)} MB (half of extension_memory_mb)`;
      err = new ExtensionLimit(MEMORY_TEXT, detail);
    } else {
      const firstLine = worker.stderr.split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 200);
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      err = new ExtensionFailed({ name: 'Error', message: `the extension worker stopped (${how}${firstLine ? `: ${firstLine}` : ''})` });
    }
    this.#note(worker, `${err.message}; it was replaced`, 'error');
    this.#fail(worker, err);
  }
}

/** What a run gets when the emulator closes before it ends (its client is being disconnected anyway). */
export const closedError = () => new ExtensionLimit('The emulator is shutting down', 'the emulator closed before the run ended');
