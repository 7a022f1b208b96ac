/**
 * How the user came to be issued tokens: the login flow, described by whoever runs it (each grant, and later the
 * browser login) for the extension pipeline and the token step, which read only this. A new flow is a new
 * description, not a new case in the pipeline. The token endpoint's flows are constants (nothing is built for them
 * per request); a browser login, whose authentication time is its session's, builds its own per login.
 */

/**
 * Auth0's values of rules' `context.protocol` and Actions' `event.transaction.protocol` (reference §8.2 and
 * browser flows §9). `redirect-callback` and `delegation` are rules' only.
 */
export type Protocol =
  | 'oauth2-password'
  | 'oauth2-refresh-token'
  | 'oauth2-resource-owner'
  | 'oauth2-resource-owner-jwt-bearer'
  | 'oauth2-device-code'
  | 'oauth2-token-exchange'
  | 'oauth2-access-token'
  | 'oauth2-webauthn'
  | 'oidc-basic-profile'
  | 'oidc-implicit-profile'
  | 'oidc-hybrid-profile'
  | 'oidc-ciba'
  | 'samlp'
  | 'wsfed'
  | 'wstrust-usernamemixed'
  | 'redirect-callback'
  | 'delegation';

/** One entry of `context.authentication.methods` / `event.authentication.methods`. */
export interface AuthenticationMethod {
  /** Auth0's method names (rules' context object): a password, a social or enterprise login, a one-time code, MFA. */
  readonly name: 'pwd' | 'federated' | 'sms' | 'email' | 'mfa';
  /** When it happened, in epoch seconds; absent: in this request (a password exchange authenticates as it runs). */
  readonly timestamp?: number;
}

export interface LoginFlow {
  readonly protocol: Protocol;
  /**
   * Whether the user can be shown pages in this flow, so that extension code may send the browser elsewhere
   * (`context.redirect`, `api.redirect.sendUserTo`; `api.redirect.canRedirect()` answers this). Auth0: not in
   * the resource-owner and refresh exchanges, nor in a browser login under `prompt=none`; a redirect there is
   * answered `interaction_required`.
   */
  readonly interactive: boolean;
  /** How the user authenticated. */
  readonly authentication: readonly AuthenticationMethod[];
  /** Whether the tenant's password-exchange hook runs (Auth0 runs it on the password grants only). */
  readonly passwordExchange: boolean;
  /** Whether this is a login that counts in the user's `logins_count` (a refresh is not). */
  readonly countsAsLogin: boolean;
  /** The access token's `gty` claim; none for a browser login (Auth0 sets it on the password and refresh grants only). */
  readonly gty: 'password' | 'refresh_token' | undefined;
}
