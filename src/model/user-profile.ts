/**
 * A user as Auth0's Management API returns it (reference §11): `user_id`, profile fields, `identities`,
 * metadata and timestamps. Used by the Management API subset, the control plane and the programmatic API.
 */
import type { UserMetadata, UserState } from '../runtime/user-state.js';
import { identities } from '../tokens/claims.js';
import { pictureOf, type User } from './user.js';

export interface Auth0User {
  user_id: string;
  email: string;
  email_verified: boolean;
  username?: string;
  name: string;
  nickname: string;
  given_name?: string;
  family_name?: string;
  picture: string;
  phone_number?: string;
  phone_verified?: boolean;
  blocked?: boolean;
  identities: { connection: string; user_id: string; provider: string; isSocial: boolean }[];
  created_at: string;
  updated_at: string;
  user_metadata: Record<string, unknown>;
  app_metadata: Record<string, unknown>;
  logins_count?: number;
}

export function toAuth0User(user: User, state: UserState): Auth0User {
  const logins = state.logins(user.userId);
  // Copies: the caller owns what it gets; the emulator's metadata objects are shared (and some frozen).
  const { appMetadata, userMetadata } = state.metadata(user);
  return { ...auth0Profile(user, { appMetadata: { ...appMetadata }, userMetadata: { ...userMetadata } }), ...(logins > 0 ? { logins_count: logins } : {}) };
}

/** The profile fields, with the given (current) metadata. */
export function auth0Profile(user: User, metadata: UserMetadata): Auth0User {
  return {
    user_id: user.userId,
    email: user.email,
    email_verified: user.emailVerified,
    ...(user.username !== undefined ? { username: user.username } : {}),
    name: user.name,
    nickname: user.nickname,
    ...(user.givenName !== undefined ? { given_name: user.givenName } : {}),
    ...(user.familyName !== undefined ? { family_name: user.familyName } : {}),
    picture: pictureOf(user),
    ...(user.phoneNumber !== undefined ? { phone_number: user.phoneNumber, phone_verified: user.phoneVerified ?? false } : {}),
    ...(user.blocked ? { blocked: true } : {}),
    identities: identities(user),
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    user_metadata: metadata.userMetadata,
    app_metadata: metadata.appMetadata,
  };
}
