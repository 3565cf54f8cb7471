/**
 * Certificates in certbot's directory layout (live/NAME -> ../../archive/NAME),
 * with chosen validity dates: python3's cryptography package (a dependency of
 * certbot) signs them, since openssl 3.0's CLI cannot backdate a certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = `
import os, sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
out, not_before, not_after, *names = sys.argv[1:]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
  .serial_number(x509.random_serial_number())
  .not_valid_before(datetime.datetime.fromtimestamp(int(not_before), datetime.timezone.utc))
  .not_valid_after(datetime.datetime.fromtimestamp(int(not_after), datetime.timezone.utc))
  .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False))
if os.environ.get('LINEAGE_AKI') == '1':
  cert = cert.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
cert = cert.sign(key, hashes.SHA256())
open(out + '/cert.pem', 'wb').write(cert.public_bytes(serialization.Encoding.PEM))
open(out + '/privkey.pem', 'wb').write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
`;

export interface LineageSpec {
  name: string;
  domains: string[];
  notBefore: Date;
  notAfter: Date;
  /** archive/NAME/cert{version}.pem; default 1 */
  version?: number;
  /** Give the certificate an Authority Key Identifier (as CA-issued ones have; ARI needs it). */
  aki?: boolean;
}

export function makeLineage(configDir: string, spec: LineageSpec): string {
  const version = spec.version ?? 1;
  const archive = join(configDir, 'archive', spec.name);
  const live = join(configDir, 'live', spec.name);
  mkdirSync(archive, { recursive: true });
  mkdirSync(live, { recursive: true });
  const work = join(archive, `.new${version}`);
  mkdirSync(work, { recursive: true });
  const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));
  execFileSync('python3', ['-c', SCRIPT, work, seconds(spec.notBefore), seconds(spec.notAfter), ...spec.domains], { env: { ...process.env, LINEAGE_AKI: spec.aki ? '1' : '' } });
  const cert = readFileSync(join(work, 'cert.pem'));
  const key = readFileSync(join(work, 'privkey.pem'));
  writeFileSync(join(archive, `cert${version}.pem`), cert);
  writeFileSync(join(archive, `chain${version}.pem`), cert);
  writeFileSync(join(archive, `fullchain${version}.pem`), cert);
  writeFileSync(join(archive, `privkey${version}.pem`), key, { mode: 0o600 });
  rmSync(work, { recursive: true, force: true });
  for (const file of ['cert', 'chain', 'fullchain', 'privkey']) {
    const link = join(live, `${file}.pem`);
    rmSync(link, { force: true });
    symlinkSync(`../../archive/${spec.name}/${file}${version}.pem`, link);
  }
  return live;
}
