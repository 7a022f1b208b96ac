/**
 * The OpenID Provider metadata of a tenant, with the fields (and order) of a real Auth0 tenant
 * (reference §7.1; browser flows reference §7). Auth0 publishes no `grant_types_supported`, so neither do we.
 * The endpoints are the route table's (http/routes.ts): only those the emulator serves are named, so that
 * nothing discovery advertises answers 404.
 */
import { isServed, urlFor } from '../http/routes.js';

type EndpointName = Parameters<typeof urlFor>[1];

/** `{ [field]: url }` when the emulator serves the route, else nothing. */
function endpoint(issuer: string, field: string, name: EndpointName): Record<string, string> {
  return isServed(name) ? { [field]: urlFor(issuer, name) } : {};
}

export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    ...endpoint(issuer, 'authorization_endpoint', 'authorize'),
    token_endpoint: urlFor(issuer, 'token'),
    // NOTE(emulator): Auth0 also names its device authorization, MFA challenge and dynamic registration
    // endpoints here; the emulator names them once it serves them (nothing advertised may answer 404).
    ...endpoint(issuer, 'device_authorization_endpoint', 'device-code'),
    userinfo_endpoint: urlFor(issuer, 'userinfo'),
    ...endpoint(issuer, 'mfa_challenge_endpoint', 'mfa-challenge'),
    jwks_uri: urlFor(issuer, 'jwks'),
    ...endpoint(issuer, 'registration_endpoint', 'register'),
    revocation_endpoint: urlFor(issuer, 'revoke'),
    scopes_supported: ['openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'nickname', 'email', 'email_verified', 'picture', 'created_at', 'identities', 'phone', 'address'],
    response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token'],
    code_challenge_methods_supported: ['S256', 'plain'],
    // Auth0's list: `web_message` works (silent authentication) but is not advertised (browser flows reference §7).
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    claims_supported: ['aud', 'auth_time', 'created_at', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'identities', 'iss', 'name', 'nickname', 'phone_number', 'picture', 'sub'],
    request_uri_parameter_supported: false,
    request_parameter_supported: false,
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
    // NOTE(emulator): Auth0 names RP-initiated logout only where the tenant's "RP-Initiated Logout end
    // session endpoint discovery" is on (the default for tenants created since 14 November 2023); here always,
    // so that express-openid-connect and nextjs-auth0 log out through it (browser flows reference §6.3).
    ...endpoint(issuer, 'end_session_endpoint', 'oidc-logout'),
  };
}
