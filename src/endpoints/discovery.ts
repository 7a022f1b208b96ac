/**
 * The OpenID Provider metadata of a tenant, with the fields (and order) of a real Auth0 tenant
 * (reference §7.1). Auth0 publishes no `grant_types_supported`, so neither do we. The endpoints are the
 * route table's (http/routes.ts), which also says which of them the emulator does not serve yet.
 */
import { urlFor } from '../http/routes.js';

export function discoveryDocument(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: urlFor(issuer, 'authorize'),
    token_endpoint: urlFor(issuer, 'token'),
    device_authorization_endpoint: urlFor(issuer, 'device-code'),
    userinfo_endpoint: urlFor(issuer, 'userinfo'),
    mfa_challenge_endpoint: urlFor(issuer, 'mfa-challenge'),
    jwks_uri: urlFor(issuer, 'jwks'),
    registration_endpoint: urlFor(issuer, 'register'),
    revocation_endpoint: urlFor(issuer, 'revoke'),
    scopes_supported: ['openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'nickname', 'email', 'email_verified', 'picture', 'created_at', 'identities', 'phone', 'address'],
    response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token'],
    code_challenge_methods_supported: ['S256', 'plain'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    claims_supported: ['aud', 'auth_time', 'created_at', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'identities', 'iss', 'name', 'nickname', 'phone_number', 'picture', 'sub'],
    request_uri_parameter_supported: false,
    request_parameter_supported: false,
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
  };
}
