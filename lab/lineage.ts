/**
 * Lineages in certbot's directory layout: archive/NAME/{cert,chain,fullchain,privkey}N.pem
 * and live/NAME/*.pem, relative links to them (../../archive/NAME/...). The
 * certificates are real (lab/certificates.ts, made in-process with the chosen
 * dates), or the given file contents where a test needs exact bytes.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificate, type Issuer } from './certificates.js';

export interface LineageSpec {
  /** default example.com */
  name?: string;
  /** default [name] */
  domains?: string[];
  /** default a day ago */
  notBefore?: Date;
  /** default 89 days ahead */
  notAfter?: Date;
  /** archive/NAME/cert{version}.pem; default 1 */
  version?: number;
  /** Give the certificate an Authority Key Identifier (as CA-issued ones have; ARI needs it). */
  aki?: boolean;
  /** Signed by this issuer (chain.pem is its certificate) instead of self-signed. */
  issuer?: Issuer;
  /** Exact contents of fullchain.pem and privkey.pem instead of a real certificate. */
  files?: { fullchain: string; privkey: string };
}

const DAY = 86_400_000;

/** Write one version of a lineage and point live/ at it. Returns the live directory (what certbot passes as RENEWED_LINEAGE). */
export function makeLineage(configDir: string, spec: LineageSpec = {}): string {
  const name = spec.name ?? 'example.com';
  const version = spec.version ?? 1;
  const archive = join(configDir, 'archive', name);
  const live = join(configDir, 'live', name);
  mkdirSync(archive, { recursive: true });
  mkdirSync(live, { recursive: true });
  const contents = spec.files ? { cert: spec.files.fullchain, chain: '', ...spec.files } : realFiles(name, spec);
  writeFileSync(join(archive, `cert${version}.pem`), contents.cert);
  writeFileSync(join(archive, `chain${version}.pem`), contents.chain);
  writeFileSync(join(archive, `fullchain${version}.pem`), contents.fullchain, { mode: 0o644 });
  writeFileSync(join(archive, `privkey${version}.pem`), contents.privkey, { mode: 0o600 });
  for (const file of ['cert', 'chain', 'fullchain', 'privkey']) {
    const link = join(live, `${file}.pem`);
    rmSync(link, { force: true });
    symlinkSync(`../../archive/${name}/${file}${version}.pem`, link);
  }
  return live;
}

function realFiles(name: string, spec: LineageSpec): { cert: string; chain: string; fullchain: string; privkey: string } {
  const now = Date.now();
  const { cert, key } = makeCertificate({
    domains: spec.domains ?? [name],
    notBefore: spec.notBefore ?? new Date(now - DAY),
    notAfter: spec.notAfter ?? new Date(now + 89 * DAY),
    aki: spec.aki,
    issuer: spec.issuer,
  });
  const chain = spec.issuer?.cert ?? cert;
  return { cert, chain, fullchain: spec.issuer ? cert + chain : cert, privkey: key };
}
