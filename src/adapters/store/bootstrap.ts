/**
 * Bootstrap: nginx refuses to start when an HTTPS server names a certificate
 * file that does not exist yet. Every certificate gets its stable paths (see
 * paths.ts) at once: pointing at certbot's lineage when there is one, else at
 * a short-lived self-signed placeholder, replaced atomically at deployment.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Certificate, Config } from '../../model/types.js';
import { lineageDir } from '../../leaves/certbot-layout.js';
import { nodeCrypto } from '../../leaves/node-crypto.js';
import { stablePaths } from '../../model/paths.js';
import { RuntimeError } from '../../lib/errors.js';
import { howItEnded, runProcess } from '../../lib/process.js';

export type BootstrapAction = 'linked-lineage' | 'placeholder' | 'unchanged';

export interface BootstrapResult {
  name: string;
  action: BootstrapAction;
  target: string;
}

/** Validity of a placeholder: it is replaced at the first issuance. */
export const PLACEHOLDER_DAYS = 7;

export interface BootstrapDeps {
  /** Create a self-signed certificate and key for `domains` in `dir` (fullchain.pem, privkey.pem). */
  selfSign(dir: string, domains: string[], days: number): Promise<void>;
  now(): Date;
}

/** The fleet agent's install (CERTS-DIR/NAME/fleet-SERIAL, with its fullchain) that `current` points at, or null. */
function fleetInstall(paths: { dir: string; current: string }): string | null {
  try {
    const target = readlinkSync(paths.current);
    const abs = isAbsolute(target) ? target : join(paths.dir, target);
    return dirname(abs) === paths.dir && /^fleet-[0-9A-Fa-f]+$/.test(basename(abs)) && existsSync(join(abs, 'fullchain.pem')) ? abs : null;
  } catch {
    return null;
  }
}

export async function bootstrap(config: Config, certs: Certificate[], deps: BootstrapDeps): Promise<BootstrapResult[]> {
  const results: BootstrapResult[] = [];
  for (const cert of certs) {
    const paths = stablePaths(config.certsDir, cert.name);
    mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
    pointLink(paths.fullchain, 'current/fullchain.pem');
    pointLink(paths.privkey, 'current/privkey.pem');
    const installed = config.fleet === null ? null : fleetInstall(paths);
    if (installed !== null) {
      // A fleet node serves what its agent installed: never put a lineage or a placeholder in its place.
      results.push({ name: cert.name, action: 'unchanged', target: installed });
      continue;
    }
    const live = lineageDir(config.configDir, cert.name);
    if (existsSync(join(live, 'fullchain.pem'))) {
      const changed = pointLink(paths.current, live);
      if (changed) rmSync(paths.selfSigned, { recursive: true, force: true });
      results.push({ name: cert.name, action: changed ? 'linked-lineage' : 'unchanged', target: live });
      continue;
    }
    if (placeholderValid(paths.selfSigned, deps.now())) {
      const changed = pointLink(paths.current, 'self-signed');
      results.push({ name: cert.name, action: changed ? 'placeholder' : 'unchanged', target: paths.selfSigned });
      continue;
    }
    // Make the new placeholder beside the old one, then swap it in by renames.
    const fresh = mkdtempSync(join(paths.dir, '.self-signed-'));
    try {
      await deps.selfSign(fresh, cert.domains, PLACEHOLDER_DAYS);
      rmSync(paths.selfSigned, { recursive: true, force: true });
      renameSync(fresh, paths.selfSigned);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    pointLink(paths.current, 'self-signed');
    results.push({ name: cert.name, action: 'placeholder', target: paths.selfSigned });
  }
  return results;
}

/**
 * After an issuance: point the stable paths at certbot's lineage, atomically,
 * and drop the placeholder. Returns true when something changed.
 */
export function switchToLineage(config: Config, cert: Certificate, live: string): boolean {
  const paths = stablePaths(config.certsDir, cert.name);
  mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
  pointLink(paths.fullchain, 'current/fullchain.pem');
  pointLink(paths.privkey, 'current/privkey.pem');
  const changed = pointLink(paths.current, live);
  rmSync(paths.selfSigned, { recursive: true, force: true });
  return changed;
}

function placeholderValid(dir: string, now: Date): boolean {
  try {
    // node:crypto only when a placeholder is checked: a run with nothing to bootstrap does not load it.
    const cert = new (nodeCrypto().X509Certificate)(readFileSync(join(dir, 'fullchain.pem')));
    return existsSync(join(dir, 'privkey.pem')) && Date.parse(cert.validTo) > now.getTime() + 86_400_000;
  } catch {
    return false;
  }
}

/** Make `link` a symlink to `target`, replacing what is there by one rename. */
function pointLink(link: string, target: string): boolean {
  try {
    if (readlinkSync(link) === target) return false;
  } catch {
    // missing, or not a link
  }
  const tmp = `${link}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, link);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return true;
}

/**
 * The real self-signer: openssl, argv array, a P-256 key. A missing openssl is
 * a RuntimeError saying so; a failing one an Error with openssl's own words.
 */
export async function opensslSelfSign(dir: string, domains: string[], days: number): Promise<void> {
  const cn = domains[0]!.replace(/^\*\./, 'wildcard.');
  const r = await runProcess(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem'), '-days', String(days),
      '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
    ],
  );
  if (r.notFound) throw new RuntimeError('cannot make placeholder certificates: openssl not found (apt-get install openssl)');
  if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `openssl ${howItEnded(r)}`);
  // The directory is mkdtemp's 0700; the key is made private explicitly, whatever the umask.
  chmodSync(join(dir, 'privkey.pem'), 0o600);
}
