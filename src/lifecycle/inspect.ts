/** What certbot's lineage holds: read live/NAME/cert.pem with Node's own X.509 parser. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Inspection {
  path: string;
  notBefore: Date;
  notAfter: Date;
  /** DNS names of the subjectAltName, lowercase, in certificate order. */
  names: string[];
  serial: string;
  issuer: string;
}

export const DEFAULT_CONFIG_DIR = '/etc/letsencrypt';

export function lineageDir(configDir: string | null, name: string): string {
  return join(configDir ?? DEFAULT_CONFIG_DIR, 'live', name);
}

/** null when there is no lineage yet; throws when cert.pem exists but cannot be read or parsed. */
export function inspectLineage(configDir: string | null, name: string): Inspection | null {
  const path = join(lineageDir(configDir, name), 'cert.pem');
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return inspectPem(pem, path);
}

export function inspectPem(pem: Buffer | string, path: string): Inspection {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new Error(`${path} is not a readable certificate: ${(err as Error).message}`);
  }
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
