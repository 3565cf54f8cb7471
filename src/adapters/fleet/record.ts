/**
 * A published certificate (PREFIX/certs/NAME) as data: the full chain, the
 * private key sealed with the fleet key, and what the chain says (names,
 * serial, validity), with a version that grows with each publication.
 * `verifyRecord` is what every agent checks before it installs anything.
 */
import { X509Certificate } from 'node:crypto';
import type { Certificate } from '../../model/types.js';
import { inspectPem, inspectX509 } from '../../leaves/x509.js';
import { keyMatchesCertificate } from '../../leaves/key-match.js';
import { open, type Sealed, seal } from '../../lib/seal.js';
import { keyAad } from './layout.js';

export interface CertRecord {
  version: number;
  names: string[];
  serial: string;
  notBefore: string;
  notAfter: string;
  fullchain: string;
  key: Sealed;
  publishedBy: string;
  publishedAt: string;
}

export function makeRecord(fleetKey: Buffer, name: string, pem: { fullchain: string; privkey: string }, version: number, node: string, now: Date): CertRecord {
  const found = inspectPem(pem.fullchain, `${name}/fullchain.pem`);
  return {
    version,
    names: found.names,
    serial: found.serial,
    notBefore: found.notBefore.toISOString(),
    notAfter: found.notAfter.toISOString(),
    fullchain: pem.fullchain,
    key: seal(fleetKey, pem.privkey, keyAad(name)),
    publishedBy: node,
    publishedAt: now.toISOString(),
  };
}

export type Verified =
  | { ok: true; record: CertRecord; fullchain: string; privkey: Buffer }
  | { ok: false; reason: string; version: number | null };

/** Parse and check a value: decrypts, the key matches the certificate, the names are the configured ones, not expired. */
export function verifyRecord(fleetKey: Buffer, cert: Certificate, text: string, now: Date): Verified {
  let record: CertRecord;
  try {
    record = JSON.parse(text) as CertRecord;
  } catch {
    return { ok: false, reason: 'the value is not JSON', version: null };
  }
  const version = typeof record?.version === 'number' ? record.version : null;
  const refuse = (reason: string): Verified => ({ ok: false, reason, version });
  if (version === null || typeof record.fullchain !== 'string' || typeof record.key !== 'object' || record.key === null) return refuse('the value is not a certificate record');
  let privkey: Buffer;
  try {
    privkey = open(fleetKey, record.key, keyAad(cert.name));
  } catch (err) {
    return refuse(`the private key ${(err as Error).message}`);
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(record.fullchain);
    if (!keyMatchesCertificate(x509, privkey)) return refuse('the private key does not match the certificate');
  } catch (err) {
    return refuse(`the certificate or key cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
  const found = inspectX509(x509, cert.name);
  const names = [...found.names].sort();
  const wanted = [...cert.domains].sort();
  if (names.join(' ') !== wanted.join(' ')) return refuse(`its names (${found.names.join(', ')}) are not the configured ones (${cert.domains.join(', ')})`);
  if (found.serial !== record.serial) return refuse(`its serial ${record.serial} is not the certificate's (${found.serial})`);
  if (found.notAfter.getTime() <= now.getTime()) return refuse(`it expired at ${found.notAfter.toISOString()}`);
  return { ok: true, record, fullchain: record.fullchain, privkey };
}
