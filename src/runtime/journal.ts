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

type Stored = Omit<JournalEntry, 'time'> & { at: number };

export class Journal {
  /** Times are kept as epoch ms and formatted when read: recording stays cheap on the hot path. */
  readonly #entries: Stored[] = [];
  readonly #max: number;

  constructor(max = 1_000) {
    this.#max = max;
  }

  record(entry: RequestLogEntry, at: number): void {
    const { method, path, status, tenant, grant, client, user, error } = entry;
    this.#entries.push({
      at,
      method,
      path,
      status,
      ...(tenant ? { tenant } : {}),
      ...(grant ? { grant } : {}),
      ...(client ? { client } : {}),
      ...(user ? { user } : {}),
      ...(error ? { error } : {}),
    });
    // Trimmed in batches, not on every request once full.
    if (this.#entries.length > this.#max * 1.25) this.#entries.splice(0, this.#entries.length - this.#max);
  }

  entries(): JournalEntry[] {
    return this.#entries.slice(-this.#max).map(({ at, ...rest }) => ({ time: new Date(at).toISOString(), ...rest }));
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
