/**
 * One error family for everything a client can get wrong. Each subclass is one Auth0 `error` code;
 * `http/render-error.ts` is the only place that turns these into a response body.
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  /** Extra keys Auth0 adds to some bodies (`error_uri`, `mfa_token`). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Why the request failed, for the log line only: never sent to the client. */
  readonly logDetail?: string;

  constructor(
    status: number,
    error: string,
    description: string,
    options: { extra?: Record<string, unknown>; logDetail?: string } = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
    this.description = description;
    this.extra = options.extra ?? {};
    if (options.logDetail !== undefined) this.logDetail = options.logDetail;
  }
}

type Options = ConstructorParameters<typeof OAuthError>[3];

export class InvalidRequest extends OAuthError {
  constructor(description: string, options?: Options) {
    super(400, 'invalid_request', description, options);
  }
}

export class InvalidScope extends OAuthError {
  constructor(description: string, options?: Options) {
    super(400, 'invalid_scope', description, options);
  }
}

export class UnsupportedGrantType extends OAuthError {
  constructor(description: string, options?: Options) {
    super(400, 'unsupported_grant_type', description, options);
  }
}

export class InvalidGrant extends OAuthError {
  constructor(description: string, options?: Options) {
    super(403, 'invalid_grant', description, options);
  }
}

export class AccessDenied extends OAuthError {
  constructor(description: string, options?: Options & { status?: number }) {
    super(options?.status ?? 403, 'access_denied', description, options);
  }
}

export class UnauthorizedClient extends OAuthError {
  constructor(description: string, options?: Options) {
    super(403, 'unauthorized_client', description, options);
  }
}

/** `error: "unauthorized"`: blocked users and rules' UnauthorizedError. */
export class Unauthorized extends OAuthError {
  constructor(description: string, options?: Options) {
    super(401, 'unauthorized', description, options);
  }
}

/** Brute-force protection's block (reference §3): this user, from this IP, after consecutive wrong passwords. */
export class TooManyAttempts extends OAuthError {
  constructor(options?: Options) {
    super(429, 'too_many_attempts', "Your account has been blocked after multiple consecutive login attempts. We've sent you a notification via your preferred contact method with instructions on how to unblock it.", options);
  }
}

export class ServerError extends OAuthError {
  constructor(description: string, options?: Options) {
    super(500, 'server_error', description, options);
  }
}

export class NotFound extends OAuthError {
  constructor(description: string, options?: Options) {
    super(404, 'not_found', description, options);
  }
}

export class MethodNotAllowed extends OAuthError {
  readonly allow: readonly string[];

  constructor(allow: readonly string[]) {
    // NOTE(emulator): Auth0 documents the 405 `method_not_allowed` code but not its description.
    super(405, 'method_not_allowed', `Method not allowed; use ${allow.join(' or ')}`);
    this.allow = allow;
  }
}

export class PayloadTooLarge extends OAuthError {
  constructor(description: string, options?: Options) {
    super(413, 'invalid_request', description, options);
  }
}

/**
 * A bearer-token failure at /userinfo. Auth0 answers these with the plain text `Unauthorized` and the
 * reason in `WWW-Authenticate` (reference §6), not with a JSON body.
 */
export class InvalidToken extends OAuthError {
  /** RFC 6750 error code for the header; absent when no token was sent at all. */
  readonly bearerError: 'invalid_token' | 'invalid_request' | null;

  constructor(description: string, bearerError: 'invalid_token' | 'invalid_request' | null = 'invalid_token', options?: Options) {
    super(401, 'invalid_token', description, options);
    this.bearerError = bearerError;
  }
}

/** Client authentication failed: Auth0 answers 401 access_denied "Unauthorized" (reference §1, observed). */
export function clientAuthFailed(logDetail: string): AccessDenied {
  return new AccessDenied('Unauthorized', { status: 401, logDetail });
}
