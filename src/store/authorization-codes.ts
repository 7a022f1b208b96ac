/**
 * Authorization codes (kind `AuthorizationCode`): what /authorize gives the callback and /oauth/token takes
 * back, once. Only a SHA-256 of each code is kept (the entry's id). A code carries everything the login
 * decided: who, which client and callback, the PKCE challenge, the nonce, the session, and the extensions'
 * outcome (the draft: scopes and claims), so that the exchange signs tokens without running extensions again
 * (Auth0 runs post-login Actions once, between the login and the callback).
 *
 * A code is in its user's group, so deleting the user makes it invalid.
 */
import { digestId, randomId } from './random-id.js';
import type { Store } from './store.js';

/** NOTE(emulator): Auth0 does not document the code lifetime (reference §11.5); 10 minutes, RFC 6749's advice. */
export const AUTHORIZATION_CODE_LIFETIME = 600;

/** The extensions' outcome, as issue-tokens.ts's `TokenDraft`. */
export interface CodeDraft {
  readonly scopes: readonly string[];
  readonly accessToken: Readonly<Record<string, unknown>>;
  readonly idToken: Readonly<Record<string, unknown>>;
}

export interface AuthorizationCodeRecord {
  readonly tenant: string;
  readonly clientId: string;
  /** The redirect_uri /authorize was given (the exchange must repeat it), or undefined when it was left out. */
  readonly redirectUri: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: 'S256' | 'plain' | undefined;
  readonly nonce: string | undefined;
  readonly userId: string;
  readonly connection: string;
  readonly sessionId: string;
  /** Epoch seconds. */
  readonly authTime: number;
  readonly audience: string | undefined;
  /** The scopes granted before the extensions ran, and those asked for. */
  readonly scopes: readonly string[];
  readonly requestedScopes: readonly string[];
  readonly draft: CodeDraft;
  /** Epoch seconds. */
  readonly issuedAt: number;
}

const KIND = 'AuthorizationCode';
const userGroup = (tenant: string, userId: string) => `user:${tenant}/${userId}`;

export class AuthorizationCodes {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Issues a code; resolves with it once its record is durable. */
  async issue(record: AuthorizationCodeRecord): Promise<string> {
    const code = randomId();
    await this.#store.set(KIND, digestId(code), record, { expiresAt: record.issuedAt + AUTHORIZATION_CODE_LIFETIME, groups: [userGroup(record.tenant, record.userId)] });
    return code;
  }

  /**
   * Takes the code (single use): the record, or undefined when the code is unknown, expired, was used
   * already, or its user was deleted. Of two concurrent redemptions, one gets it.
   */
  async redeem(code: string): Promise<AuthorizationCodeRecord | undefined> {
    const entry = await this.#store.consume<AuthorizationCodeRecord>(KIND, digestId(code));
    return entry?.value;
  }

  /** Deletes every code of a user (deleted). */
  async revokeUser(tenant: string, userId: string): Promise<void> {
    // Not deleteGroup: the group also holds the user's refresh tokens, which are kept (marked) on a delete.
    const entries = await this.#store.list(userGroup(tenant, userId));
    await Promise.all(entries.filter((e) => e.kind === KIND).map((e) => this.#store.delete(KIND, e.id)));
  }
}
