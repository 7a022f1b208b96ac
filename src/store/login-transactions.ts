/**
 * Login transactions (kind `LoginTransaction`): one /authorize request between its validation and its answer
 * to the callback. Its id is the `state` of Auth0's own pages (`/u/login?state=…`, `/authorize/resume?state=…`,
 * `/continue?state=…`), unrelated to the application's `state`. It lives 1 hour, as Auth0's login
 * transactions do (reference §1.3); after that, the pages answer that the session could not be found.
 *
 * The request is kept as the authorize step validated it (`request`, whose shape is the authorize module's);
 * the login page adds who logged in (`login`); a redirect Action or rule adds where the flow stands.
 */
import { randomId } from './random-id.js';
import type { Store } from './store.js';

/** Seconds a login transaction lives (Auth0: 1 hour). */
export const LOGIN_TRANSACTION_LIFETIME = 3600;

export interface LoginTransactionRecord<Request = unknown> {
  readonly tenant: string;
  readonly clientId: string;
  /** The validated authorize request. */
  readonly request: Request;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Set once the user has logged in (the login page) or was found logged in (the session). */
  readonly login?: {
    readonly userId: string;
    readonly connection: string;
    readonly sessionId: string;
    readonly authTime: number;
  };
  /** Whatever a suspended extension pipeline needs to resume (a redirect Action or rule), as JSON. */
  readonly suspended?: unknown;
}

const KIND = 'LoginTransaction';

export class LoginTransactions {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Starts a transaction; resolves with its id once it is durable. */
  async start<R>(record: Omit<LoginTransactionRecord<R>, 'login' | 'suspended'>): Promise<string> {
    const id = randomId(24);
    await this.#store.set(KIND, id, record, { expiresAt: record.createdAt + LOGIN_TRANSACTION_LIFETIME });
    return id;
  }

  /** The transaction; undefined once finished or expired, or for an id never given. */
  async find<R>(id: string): Promise<LoginTransactionRecord<R> | undefined> {
    const entry = await this.#store.get<LoginTransactionRecord<R>>(KIND, id);
    return entry === undefined || entry.consumedAt !== undefined ? undefined : entry.value;
  }

  /** Replaces the transaction's record (a login, a suspension); never brings back one finished meanwhile. */
  update<R>(id: string, record: LoginTransactionRecord<R>): Promise<void> {
    return this.#store.set(KIND, id, record, { expiresAt: record.createdAt + LOGIN_TRANSACTION_LIFETIME, ifPresent: true });
  }

  /** Takes the transaction to answer it: of two concurrent finishers (a double submit), one gets it. */
  async finish<R>(id: string): Promise<LoginTransactionRecord<R> | undefined> {
    const entry = await this.#store.consume<LoginTransactionRecord<R>>(KIND, id);
    return entry?.value;
  }
}
