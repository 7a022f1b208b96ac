/**
 * Opaque access tokens: what Auth0 issues when there is no audience (good only for /userinfo). Like Auth0's,
 * they are JWEs (`dir` + A256GCM, the issuer in the protected header), so they carry their own state and
 * survive restarts without a token table.
 */

export interface OpaqueClaims {
  sub: string;
  azp: string;
  scope: string;
  iat: number;
  exp: number;
  /** Custom ID-token claims, returned by /userinfo. */
  ext?: Record<string, unknown>;
}

// jose is loaded on first use, so start-up does not pay for it.
export async function sealOpaqueToken(claims: OpaqueClaims, key: Uint8Array, issuer: string): Promise<string> {
  const { EncryptJWT } = await import('jose');
  // The issuer is in the payload too: a header `iss` must replicate the claim (RFC 7519 §5.3).
  return new EncryptJWT({ iss: issuer, ...claims }).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', iss: issuer }).encrypt(key);
}

/** Decrypts and checks the issuer and expiry; throws on anything else. */
export async function openOpaqueToken(token: string, key: Uint8Array, issuer: string, nowSeconds: number): Promise<OpaqueClaims> {
  const { jwtDecrypt } = await import('jose');
  const { payload } = await jwtDecrypt(token, key, {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
    issuer,
    currentDate: new Date(nowSeconds * 1000),
  });
  return payload as unknown as OpaqueClaims;
}
