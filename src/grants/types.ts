import type { ExtensionEnv } from '../extensions/run-user-extensions.js';
import type { Client, Tenant } from '../model/tenant.js';
import type { RequestInfo } from '../model/request-info.js';
import type { Params } from '../oauth/params.js';
import type { Repositories } from '../store/repositories.js';
import type { TenantKey } from '../tokens/key-store.js';

/** A grant's context; the store's repositories (refresh tokens, sessions, codes) included. */
export interface GrantContext extends Repositories {
  /** The tenant as it was served when the request started. */
  readonly tenant: Tenant;
  /**
   * The tenant as it is served now (undefined once it is gone): a runtime change (a user deleted) or a reload
   * may have replaced `tenant` while the request waited, on its extensions say.
   */
  currentTenant(): Tenant | undefined;
  /** The tenant's issuer for this request, with a trailing slash. */
  readonly issuer: string;
  readonly client: Client;
  readonly params: Params;
  readonly key: TenantKey;
  /** Runs the tenant's rules, hooks and Actions. */
  readonly extensions: ExtensionEnv;
  readonly request: RequestInfo;
  /** Epoch seconds, from the emulator's clock. */
  now(): number;
  /** Filled in by the grant: whom the tokens were issued to (for the request journal). */
  readonly outcome?: { userId?: string };
}

/** Auth0's token response, in the order Auth0 sends the fields. */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  expires_in: number;
  token_type: 'Bearer';
}

export interface Grant {
  readonly grantType: string;
  /**
   * The body parameters the grant reads, beyond the token endpoint's own (`grant_type` and the client's
   * credentials). The set of parameters the emulator reads is built from these (endpoints/parameters.ts).
   */
  readonly parameters: readonly string[];
  /** True when the grant always needs a confidential client (a secret), whatever the client's method. */
  readonly secretRequired: boolean;
  handle(ctx: GrantContext): Promise<TokenResponse>;
}
