/**
 * A small pool of sandbox workers. One job runs on a worker at a time; a job that overruns its time (a
 * synchronous loop, a callback never called) has its worker terminated and replaced, so nothing user code
 * does can stop the main thread from serving. Workers are created on demand and never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

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

export class ExtensionTimeout extends Error {}
export class ExtensionFailed extends Error {
  readonly detail: SerializedError;
  constructor(detail: SerializedError) {
    super(detail.message);
    this.detail = detail;
  }
}

/**
 * Inputs cross to the worker as JSON text, not as objects: one string is copied, instead of an object graph
 * structured-cloned on the main thread (the larger part of a rule's main-thread cost, measured), and the
 * worker parses the text straight into the extension's own context. Results come back as JSON text too.
 */
export interface Job {
  kind: 'rules' | 'hook-credentials-exchange' | 'hook-password-exchange' | 'actions-post-login' | 'actions-credentials-exchange';
  tenant: string;
  scripts: readonly { file: string; name: string; source: string; hash: string }[];
  /** The function's arguments as JSON texts (rules: user, context; hooks: theirs; Actions: the event); undefined stays undefined. */
  input: (string | undefined)[];
  /** Rules: the `configuration` object, as JSON text. */
  configuration?: string;
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

interface Running {
  id: number;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  running: Running | undefined;
}

const WORKER_URL = new URL('./sandbox-worker.js', import.meta.url);

export class SandboxPool {
  readonly #max: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: { job: Job & { id: number }; timeoutMs: number; running: Omit<Running, 'timer'> }[] = [];
  readonly #onLog: (log: ExtensionLog) => void;
  #nextId = 1;
  #closed = false;

  constructor(onLog: (log: ExtensionLog) => void, max = Math.min(4, Math.max(2, availableParallelism()))) {
    this.#onLog = onLog;
    this.#max = max;
  }

  /** Runs a job; resolves with the worker's result, rejects with ExtensionFailed or ExtensionTimeout. */
  run(job: Job, timeoutMs: number): { id: number; result: Promise<unknown> } {
    const id = this.#nextId++;
    const result = new Promise<unknown>((resolve, reject) => {
      if (this.#closed) return reject(new Error('the emulator is closed'));
      this.#queue.push({ job: { ...job, id }, timeoutMs, running: { id, resolve, reject } });
      this.#dispatch();
    });
    return { id, result };
  }

  /** Starts one worker ahead of the first job, so the first rule run does not wait for a thread to boot. */
  warm(): void {
    if (this.#slots.size === 0 && !this.#closed) this.#spawn();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) queued.running.reject(new Error('the emulator is closed'));
    await Promise.all([...this.#slots].map((slot) => this.#retire(slot, new Error('the emulator is closed'))));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((s) => !s.running);
      if (!slot && this.#slots.size < this.#max) slot = this.#spawn();
      if (!slot) return;
      const { job, timeoutMs, running } = this.#queue.shift()!;
      const target = slot;
      const timer = setTimeout(() => {
        void this.#retire(target, new ExtensionTimeout(`Extension code did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      slot.running = { ...running, timer };
      slot.worker.postMessage(job);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, { stdout: false, stderr: false });
    worker.unref();
    const slot: Slot = { worker, running: undefined };
    worker.on('message', (message: { type: string; id?: number; file?: string; level?: string; text?: string; result?: unknown; error?: SerializedError }) => {
      if (message.type === 'log') {
        this.#onLog({ jobId: message.id, file: message.file ?? '?', level: message.level ?? 'log', text: message.text ?? '' });
        return;
      }
      const running = slot.running;
      if (!running || running.id !== message.id) return;
      clearTimeout(running.timer);
      slot.running = undefined;
      if (message.type === 'done') running.resolve(JSON.parse(message.result as string));
      else running.reject(new ExtensionFailed(message.error ?? { name: 'Error', message: 'unknown error' }));
      this.#dispatch();
    });
    // An exception thrown later (in a timer, an unhandled rejection) ends the worker: it fails the job it ran.
    worker.on('error', (err: Error) => void this.#retire(slot, new ExtensionFailed({ name: err.name, message: err.message })));
    worker.on('exit', () => void this.#retire(slot, new ExtensionFailed({ name: 'Error', message: 'the extension worker stopped' })));
    this.#slots.add(slot);
    return slot;
  }

  async #retire(slot: Slot, reason: Error): Promise<void> {
    if (!this.#slots.delete(slot)) return;
    const running = slot.running;
    slot.running = undefined;
    if (running) {
      clearTimeout(running.timer);
      running.reject(reason);
    }
    await slot.worker.terminate();
    if (!this.#closed) this.#dispatch();
  }
}
