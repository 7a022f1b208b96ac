/**
 * Making certificates: the local certificate authority and the leaf certificates it issues. node-forge builds
 * the X.509 structures; node:crypto makes the keys and signs the to-be-signed bytes (forge's pure-JavaScript
 * RSA is slow). Imported only when https is asked for and a certificate must be made (see local-ca.ts).
 */
import { createPrivateKey, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import forge from 'node-forge';

const { pki, asn1 } = forge;
// In node-forge, missing from @types/node-forge.
const getTBSCertificate = (pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;

export interface KeyAndCert {
  /** PEM */
  readonly cert: string;
  /** PEM (PKCS #8) */
  readonly key: string;
}

const DAY_MS = 86_400_000;
/** The CA lasts ten years: a developer trusts it once. */
const CA_DAYS = 3650;
/**
 * A leaf lasts 90 days and is made again well before that (leaf.ts): short enough for any browser's policy
 * on validity, long enough that a running emulator rarely renews.
 */
export const LEAF_DAYS = 90;

const rsaKeyPair = promisify(generateKeyPair);

async function newKeyPair(): Promise<{ privatePem: string; publicKey: forge.pki.PublicKey }> {
  const { publicKey, privateKey } = await rsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicKey: pki.publicKeyFromPem(publicKey) };
}

/** A positive serial number of 16 random bytes, as hex. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: number, days: number): void {
  // An hour back: a clock a little behind must not see a certificate from the future.
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

/** Signs the certificate's TBS bytes with node:crypto (sha256WithRSAEncryption) and returns its PEM. */
function signWith(cert: forge.pki.Certificate, signerPem: string): string {
  cert.siginfo.algorithmOid = pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = pki.oids.sha256WithRSAEncryption!;
  const tbs = Buffer.from(asn1.toDer(getTBSCertificate(cert)).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, createPrivateKey(signerPem)).toString('binary');
  return pki.certificateToPem(cert);
}

/** A self-signed certificate authority for this machine. */
export async function makeCa(now = Date.now()): Promise<KeyAndCert> {
  const { privatePem, publicKey } = await newKeyPair();
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  validity(cert, now, CA_DAYS);
  const subject = [
    { name: 'commonName', value: `auth-emulator local CA (${hostLabel()})` },
    { name: 'organizationName', value: 'auth-emulator (development only)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { cert: signWith(cert, privatePem), key: privatePem };
}

/** A server certificate for `names` (DNS names and IP addresses), issued by `ca`. */
export async function makeLeaf(ca: KeyAndCert, names: readonly string[], now = Date.now()): Promise<KeyAndCert> {
  const { privatePem, publicKey } = await newKeyPair();
  const caCert = pki.certificateFromPem(ca.cert);
  const cert = pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  validity(cert, now, LEAF_DAYS);
  cert.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  return { cert: signWith(cert, ca.key), key: privatePem };
}

/** The machine's name in the CA's name, so two machines' CAs are told apart in a trust store. */
function hostLabel(): string {
  return (process.env.HOSTNAME || 'this machine').slice(0, 40);
}
