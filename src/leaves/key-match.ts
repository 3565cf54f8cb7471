/**
 * Whether a private key (PEM) is the certificate's. OpenSSL 3.0 takes about
 * 0.8 ms to load a private key from PEM, most of an agent's start-up with
 * 10,000 certificates, so the common case, a P-256 key in the canonical PEM
 * that OpenSSL and certbot write (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE
 * KEY", with its public key, 64 base64 characters a line), is checked without
 * loading it: the public point is computed from the private scalar (ECDH) and
 * must equal both the certificate's and the one stored in the key (which is
 * what OpenSSL, thus nginx, compares). Anything else is loaded by OpenSSL
 * and checked by it, as before.
 */
import { createECDH, createPrivateKey, type X509Certificate } from 'node:crypto';

const OID_P256 = '06082a8648ce3d030107';
/** The bytes before the scalar (d, 32 bytes) and between it and the public point (04 X Y, 65 bytes) of a P-256 key, per encoding. */
const TEMPLATES: Record<string, { head: Buffer; middle: Buffer }> = {
  'PRIVATE KEY': { head: Buffer.from(`308187020100301306072a8648ce3d0201${OID_P256}046d306b0201010420`, 'hex'), middle: Buffer.from('a144034200', 'hex') },
  'EC PRIVATE KEY': { head: Buffer.from('307702010104' + '20', 'hex'), middle: Buffer.from(`a00a${OID_P256}a144034200`, 'hex') },
};

export function keyMatchesCertificate(x509: X509Certificate, privkeyPem: Buffer | string): boolean {
  const p256 = p256Key(privkeyPem.toString());
  if (p256 === null) return x509.checkPrivateKey(createPrivateKey(privkeyPem));
  const pub = x509.publicKey;
  if (pub.asymmetricKeyType !== 'ec' || pub.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
  const jwk = pub.export({ format: 'jwk' });
  const certPoint = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  let derived: Buffer;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(p256.d);
    derived = ecdh.getPublicKey();
  } catch {
    return false; // a scalar out of range: not a key
  }
  return derived.equals(certPoint) && p256.point.equals(certPoint);
}

/** The scalar and stored public point of a canonical P-256 PEM key, or null for any other key or form. */
export function p256Key(pem: string): { d: Buffer; point: Buffer } | null {
  const m = /^-----BEGIN (EC PRIVATE KEY|PRIVATE KEY)-----\n((?:[A-Za-z0-9+/]{64}\n)*[A-Za-z0-9+/]{1,63}={0,2}\n)-----END \1-----\n?$/.exec(pem);
  if (m === null) return null;
  const body = m[2]!.replace(/\n/g, '');
  const der = Buffer.from(body, 'base64');
  if (der.toString('base64') !== body) return null;
  const t = TEMPLATES[m[1]!]!;
  const at = t.head.length + 32;
  if (der.length !== at + t.middle.length + 65) return null;
  if (!der.subarray(0, t.head.length).equals(t.head) || !der.subarray(at, at + t.middle.length).equals(t.middle)) return null;
  const point = der.subarray(at + t.middle.length);
  return point[0] === 0x04 ? { d: der.subarray(t.head.length, at), point } : null;
}
