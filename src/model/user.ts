/**
 * The user model: a config user with Auth0's defaults applied (reference §5.3 and §8.3).
 */
import { hash } from 'node:crypto';
import type { UserConfig } from '../config/schema.js';
import { storedPassword, type StoredPassword } from './password.js';

export interface User {
  readonly userId: string;
  readonly connection: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly username: string | undefined;
  readonly name: string;
  readonly nickname: string;
  /** The config's `picture`; without one, Auth0's default (pictureOf), computed when asked for. */
  readonly picture: string | undefined;
  readonly givenName: string | undefined;
  readonly familyName: string | undefined;
  readonly phoneNumber: string | undefined;
  readonly phoneVerified: boolean | undefined;
  readonly blocked: boolean;
  readonly userMetadata: Readonly<Record<string, unknown>>;
  readonly appMetadata: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly password: StoredPassword;
}

/**
 * `auth0|` + 24 hex characters (the shape of Auth0's own database user ids), derived from tenant,
 * connection and email so the same user gets the same id on every start and every machine.
 */
export function stableUserId(tenant: string, connection: string, email: string): string {
  const digest = hash('sha256', `${tenant}\n${connection}\n${email.toLowerCase()}`, 'hex');
  return `auth0|${digest.slice(0, 24)}`;
}

/**
 * The user's picture. The default is derived when a token or profile needs it, not stored: 100,000 users'
 * gravatar URLs were 23 MB of heap and an MD5 each at load (measured).
 */
export function pictureOf(user: User): string {
  return user.picture ?? defaultPicture(user.email, user.email);
}

/** Auth0's default avatar for database users: gravatar, falling back to the initials on Auth0's CDN. */
export function defaultPicture(email: string, name: string): string {
  const md5 = hash('md5', email.trim().toLowerCase(), 'hex');
  const initials = name.replace(/[^a-zA-Z]/g, '').slice(0, 2).toLowerCase() || 'na';
  return `https://s.gravatar.com/avatar/${md5}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F${initials}.png`;
}

export function buildUser(tenant: string, connection: string, config: UserConfig, loadedAt: string): User {
  // DB connections store emails in lowercase (reference §11).
  const email = config.email.toLowerCase();
  const name = config.name ?? email;
  return {
    userId: config.user_id ?? stableUserId(tenant, connection, email),
    connection,
    email,
    emailVerified: config.email_verified,
    username: config.username,
    name,
    nickname: config.nickname ?? email.split('@')[0] ?? email,
    picture: config.picture,
    givenName: config.given_name,
    familyName: config.family_name,
    phoneNumber: config.phone_number,
    phoneVerified: config.phone_verified,
    blocked: config.blocked,
    userMetadata: config.user_metadata,
    appMetadata: config.app_metadata,
    createdAt: config.created_at ?? loadedAt,
    updatedAt: config.updated_at ?? config.created_at ?? loadedAt,
    password: storedPassword(config.password, config.password_hash),
  };
}
