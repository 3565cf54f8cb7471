/** What a certificate file holds, read with Node's own X.509 parser. */
import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nodeCrypto } from './node-crypto.js';

export interface Inspection {
  path: string;
  notBefore: Date;
  notAfter: Date;
  /** DNS names of the subjectAltName, lowercase, in certificate order. */
  names: string[];
  serial: string;
  issuer: string;
}

/** A reader of certificate files: inspectPem on the file, or a cache in front of it. */
export interface CertificateReader {
  inspect(path: string): Inspection;
}

const direct: CertificateReader = { inspect: (path) => inspectPem(readFileSync(path), path) };

/** null when there is no such file (no lineage yet); throws when it exists but cannot be read or parsed. */
export function inspectFile(path: string, reader: CertificateReader = direct): Inspection | null {
  try {
    return reader.inspect(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code) throw Object.assign(new Error(`cannot read ${path}: ${code}`), { code });
    throw err;
  }
}

export function inspectPem(pem: Buffer | string, path: string): Inspection {
  let cert: X509Certificate;
  try {
    cert = new (nodeCrypto().X509Certificate)(pem);
  } catch (err) {
    throw new Error(`${path} is not a readable certificate: ${(err as Error).message}`);
  }
  return inspectX509(cert, path);
}

/** The same, from a certificate already parsed (parsing is the costly part). */
export function inspectX509(cert: X509Certificate, path: string): Inspection {
  return {
    path,
    notBefore: new Date(Date.parse(cert.validFrom)),
    notAfter: new Date(Date.parse(cert.validTo)),
    names: sanNames(cert.subjectAltName),
    serial: cert.serialNumber,
    issuer: cert.issuer.replace(/\n/g, ', '),
  };
}

/** "DNS:a.test, DNS:b.test, IP Address:1.2.3.4" -> ["a.test", "b.test"] */
export function sanNames(san: string | undefined): string[] {
  if (!san) return [];
  return san
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}
