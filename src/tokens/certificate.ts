/**
 * The self-signed certificate Auth0 publishes with each signing key: the JWKS key's `x5c` (the DER, base64) and
 * `x5t` (the SHA-1 thumbprint of the DER, base64url), with the subject and issuer `CN=<tenant's domain>`
 * (reference §7.2). Code that reads `x5c[0]` (auth0-PHP, many samples) needs it.
 *
 * node-forge builds the certificate and is loaded only here, when a certificate is first needed (the first
 * JWKS request of a key without a kept certificate), so start-up never pays for it. forge's pure-JavaScript RSA
 * signing takes tens of milliseconds: node:crypto signs the to-be-signed bytes instead.
 */
import { createHash, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { asn1 as Asn1 } from 'node-forge';

/** How the JWKS shows a certificate. */
export interface PublishedCertificate {
  readonly x5t: string;
  readonly x5c: readonly string[];
}

/** The certificate's DER as the JWKS shows it. */
export function published(der: Buffer): PublishedCertificate {
  return { x5t: createHash('sha1').update(der).digest('base64url'), x5c: [der.toString('base64')] };
}

// As a real tenant's certificate (reference §7.2, redpanda jwt_test.cc): valid for 5000 days (13.7 years).
const VALIDITY_DAYS = 5000;

/** A new self-signed certificate (DER) for the key pair, subject and issuer `CN=<commonName>`. */
export function makeCertificate(privateKey: KeyObject, publicKey: KeyObject, commonName: string, now = new Date()): Buffer {
  const forge = createRequire(import.meta.url)('node-forge') as typeof import('node-forge');
  const { pki, asn1 } = forge;
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
  // A positive serial number of 16 random bytes (the high bit clear).
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * 86_400_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const name = [{ name: 'commonName', value: commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  // The extensions of a real tenant's certificate: a CA of its own (critical), its key's identifier, and the
  // key usages digitalSignature and keyCertSign (critical).
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
  ]);
  cert.signatureOid = cert.siginfo.algorithmOid = pki.oids.sha256WithRSAEncryption!;
  // getTBSCertificate is public in node-forge but missing from @types/node-forge.
  const tbs = (pki as unknown as { getTBSCertificate(c: typeof cert): Asn1.Asn1 }).getTBSCertificate(cert);
  (cert as { tbsCertificate?: unknown }).tbsCertificate = tbs;
  cert.signature = sign('sha256', Buffer.from(asn1.toDer(tbs).getBytes(), 'binary'), privateKey).toString('binary');
  return Buffer.from(asn1.toDer(pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/**
 * The DER of a kept certificate (PEM) when it is this public key's and still valid, else undefined (it is then
 * made again: the key file was replaced, or the certificate ran out).
 */
export function keptCertificate(pem: string, publicKey: KeyObject, now = new Date()): Buffer | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  if (!cert.publicKey.equals(publicKey) || new Date(cert.validTo) <= now) return undefined;
  return cert.raw;
}

export const toPem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
