/**
 * X.509 certificates made in-process with chosen validity dates (the openssl
 * 3.0 CLI cannot backdate one): a small DER writer and node:crypto's ECDSA
 * P-256 signatures. Self-signed, or signed by an issuer made here; with the
 * names as subjectAltName DNS entries, optionally an Authority Key Identifier
 * (as CA-issued certificates have; ARI needs it).
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface CertificateSpec {
  /** The first is the subject's common name; all are subjectAltName DNS names. */
  domains: string[];
  notBefore: Date;
  notAfter: Date;
  /** Sign with this issuer instead of self-signing. */
  issuer?: Issuer;
  /** Give the certificate an Authority Key Identifier. */
  aki?: boolean;
}

export interface Issued {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
}

export interface Issuer extends Issued {
  name: Buffer;
  privateKey: KeyObject;
  keyId: Buffer;
}

// ---------------------------------------------------------------------------
// DER

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);

function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const b = bytes.subarray(i);
  return tlv(0x02, (b[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    out.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = d.getUTCFullYear();
  return year < 2050 && year >= 1950 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const commonName = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
const extension = (id: string, value: Buffer, critical = false) =>
  seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/** SHA-1 of the public key's bits (RFC 5280 4.2.1.2, method 1). */
function keyIdOf(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return createHash('sha1').update(point).digest();
}

const pem = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

// ---------------------------------------------------------------------------

function build(subject: Buffer, spec: { notBefore: Date; notAfter: Date }, publicKey: KeyObject, extensions: Buffer[], signer: { name: Buffer; privateKey: KeyObject }): string {
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    signer.name,
    seq(time(spec.notBefore), time(spec.notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...extensions)),
  );
  return pem('CERTIFICATE', seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, signer.privateKey))));
}

/** A leaf certificate for `domains` and its key. */
export function makeCertificate(spec: CertificateSpec): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = commonName(spec.domains[0]!);
  const san = seq(...spec.domains.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))));
  const signer = spec.issuer ?? { name: subject, privateKey, keyId: keyIdOf(publicKey) };
  const extensions = [extension('2.5.29.17', san)];
  if (spec.aki || spec.issuer) extensions.push(extension('2.5.29.35', seq(tlv(0x80, signer.keyId))));
  return { cert: build(subject, spec, publicKey, extensions, signer), key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** A throwaway CA that signs certificates made by makeCertificate. */
export function makeIssuer(cn: string, validity: { notBefore: Date; notAfter: Date }): Issuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = commonName(cn);
  const keyId = keyIdOf(createPublicKey(privateKey));
  const extensions = [extension('2.5.29.19', seq(tlv(0x01, Buffer.from([0xff]))), true), extension('2.5.29.15', tlv(0x03, Buffer.from([1, 0x06])), true), extension('2.5.29.14', octets(keyId))];
  const cert = build(name, validity, publicKey, extensions, { name, privateKey });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, name, privateKey, keyId };
}
