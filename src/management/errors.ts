/**
 * Management API errors: Auth0's `{statusCode, error, message, errorCode}` body (reference §11), rendered
 * by the same renderer as every other error (http/render-error.ts). `error` is the status text.
 */
import { STATUS_CODES } from 'node:http';
import { OAuthError } from '../oauth/errors.js';

export class ManagementError extends OAuthError {
  readonly errorCode: string | undefined;
  constructor(status: number, message: string, errorCode?: string, logDetail?: string) {
    super(status, STATUS_CODES[status] ?? 'Error', message, logDetail === undefined ? {} : { logDetail });
    this.errorCode = errorCode;
  }
}
