/**
 * The journal: the most recent requests the emulator answered (endpoint, grant, client, user, outcome), for
 * tests to assert on ("the app asked for a refresh token exactly once"). Bounded, newest last.
 */
import type { RequestLogEntry } from '../http/request-log.js';

export interface JournalEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  tenant?: string;
  grant?: string;
  client?: string;
  user?: string;
  /** The Auth0 error code of a failed request. */
  error?: string;
}

export class Journal {
  readonly #entries: JournalEntry[] = [];
  readonly #max: number;

  constructor(max = 1_000) {
    this.#max = max;
  }

  record(entry: RequestLogEntry, time: Date): void {
    const { method, path, status, tenant, grant, client, user, error } = entry;
    this.#entries.push({
      time: time.toISOString(),
      method,
      path,
      status,
      ...(tenant ? { tenant } : {}),
      ...(grant ? { grant } : {}),
      ...(client ? { client } : {}),
      ...(user ? { user } : {}),
      ...(error ? { error } : {}),
    });
    if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
  }

  entries(): JournalEntry[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
