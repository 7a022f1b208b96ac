/**
 * Grants are a registry, not a switch: the token route looks a grant up here and answers
 * `unsupported_grant_type` on a miss. Discovery reads the same list.
 */
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { passwordRealmGrant } from './password-realm.js';
import { passwordGrant } from './password.js';
import { refreshTokenGrant } from './refresh-token.js';
import type { Grant } from './types.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [passwordGrant, passwordRealmGrant, clientCredentialsGrant, refreshTokenGrant, authorizationCodeGrant].map((g) => [g.grantType, g]),
);
