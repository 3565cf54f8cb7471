/**
 * The ARI certificate identifier (RFC 9773 §4.1): base64url(keyIdentifier of
 * the Authority Key Identifier) "." base64url(serial number's DER content
 * bytes), both without padding. Pure: the certificate's DER in, text out.
 */
import { nodeCrypto } from '../../leaves/node-crypto.js';

const OID_AKI = Buffer.from([0x55, 0x1d, 0x23]); // 2.5.29.35

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER element at `at`: its tag and where its content lies. */
function tlv(der: Buffer, at: number): Tlv {
  if (at + 2 > der.length) throw new Error('truncated DER');
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = tlv(der, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The serial's DER INTEGER content bytes and the AKI keyIdentifier, read from the certificate's DER. */
export function certIdParts(der: Buffer): { keyIdentifier: Buffer; serial: Buffer } {
  const tbs = children(der, tlv(der, 0))[0];
  if (!tbs) throw new Error('not a certificate');
  const fields = children(der, tbs);
  // tbsCertificate: [0] version (optional), serialNumber, ...
  const serialField = fields[0]?.tag === 0xa0 ? fields[1] : fields[0];
  if (!serialField || serialField.tag !== 0x02) throw new Error('no serial number');
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (!extensions) throw new Error('no extensions, so no Authority Key Identifier');
  for (const ext of children(der, children(der, extensions)[0]!)) {
    const [oid, ...rest] = children(der, ext);
    if (!oid || !der.subarray(oid.start, oid.end).equals(OID_AKI)) continue;
    const value = rest[rest.length - 1]!;
    const aki = children(der, children(der, value)[0]!);
    const keyId = aki.find((e) => e.tag === 0x80);
    if (!keyId) break;
    return { keyIdentifier: der.subarray(keyId.start, keyId.end), serial: der.subarray(serialField.start, serialField.end) };
  }
  throw new Error('no Authority Key Identifier with a keyIdentifier');
}

export function certIdFromParts(keyIdentifier: Buffer, serial: Buffer): string {
  return `${keyIdentifier.toString('base64url')}.${serial.toString('base64url')}`;
}

/** The ARI identifier of a PEM or DER certificate; throws when it has no AKI keyIdentifier. */
export function certId(pemOrDer: Buffer | string): string {
  // node:crypto only when a certificate is asked about: most runs ask nothing (the last answer holds).
  const { keyIdentifier, serial } = certIdParts(new (nodeCrypto().X509Certificate)(pemOrDer).raw);
  return certIdFromParts(keyIdentifier, serial);
}
