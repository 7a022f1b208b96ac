/**
 * Which user claims a set of scopes releases, for the ID token and /userinfo alike (reference §4, §5.3).
 * Order follows real Auth0 ID tokens: profile claims, then email, then the registered claims.
 */
import { pictureOf, type User } from '../model/user.js';

export function identities(user: User) {
  const [provider, ...rest] = user.userId.split('|');
  return [{ connection: user.connection, user_id: rest.join('|') || user.userId, provider: provider ?? 'auth0', isSocial: false }];
}

export function profileClaims(user: User, scopes: readonly string[]): Record<string, unknown> {
  const has = (s: string) => scopes.includes(s);
  const profile = has('profile');
  const claims: Record<string, unknown> = {};
  if ((profile || has('given_name')) && user.givenName !== undefined) claims.given_name = user.givenName;
  if ((profile || has('family_name')) && user.familyName !== undefined) claims.family_name = user.familyName;
  if (profile || has('nickname')) claims.nickname = user.nickname;
  if (profile || has('name')) claims.name = user.name;
  if (profile || has('picture')) claims.picture = pictureOf(user);
  if (profile) claims.updated_at = user.updatedAt;
  if (has('email')) claims.email = user.email;
  if (has('email') || has('email_verified')) claims.email_verified = user.emailVerified;
  if (has('phone') && user.phoneNumber !== undefined) {
    claims.phone_number = user.phoneNumber;
    claims.phone_number_verified = user.phoneVerified ?? false;
  }
  if (has('created_at')) claims.created_at = user.createdAt;
  if (has('identities')) claims.identities = identities(user);
  return claims;
}

/** The scope that releases each standard claim; other claim names are not gated by scope. A Map, so that a
 * claim named like an Object.prototype member (`constructor`) is not mistaken for a standard one. */
const STANDARD_CLAIM_SCOPE = new Map<string, string>([
  ['name', 'profile'], ['family_name', 'profile'], ['given_name', 'profile'], ['middle_name', 'profile'], ['nickname', 'profile'],
  ['preferred_username', 'profile'], ['profile', 'profile'], ['picture', 'profile'], ['website', 'profile'], ['gender', 'profile'],
  ['birthdate', 'profile'], ['zoneinfo', 'profile'], ['locale', 'profile'], ['updated_at', 'profile'],
  ['email', 'email'], ['email_verified', 'email'], ['address', 'address'], ['phone_number', 'phone'], ['phone_number_verified', 'phone'],
]);

/** Whether `claim` may appear given the granted scopes (a claim name is also accepted as its own scope). */
export function releasedBy(claim: string, scopes: readonly string[]): boolean {
  const scope = STANDARD_CLAIM_SCOPE.get(claim);
  return scope === undefined || scopes.includes(scope) || scopes.includes(claim);
}

/** Custom claims minus standard claims whose scope was not granted (reference §4, "Scope filtering"). */
export function releasedClaims(claims: Readonly<Record<string, unknown>>, scopes: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([k]) => releasedBy(k, scopes)));
}
