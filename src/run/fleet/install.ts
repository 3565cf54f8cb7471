/**
 * Install a verified certificate on this node: its own directory
 * CERTS-DIR/NAME/fleet-SERIAL (made complete under a temporary name, then
 * renamed), then the single-host deploy steps (deploy/steps.ts): the stable
 * paths' `current` link switches to it in one rename, the deploy copies, the
 * certificate's deploy-hook. The reload is the caller's, once per batch.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Certificate, Config } from '../../model/types.js';
import { deployCertificate, type Say } from '../deploy-steps.js';
import { markReloadPending } from '../../adapters/store/pending-reload.js';
import { stablePaths } from '../../model/paths.js';

const DIR_PREFIX = 'fleet-';

/** The serial this node serves for `cert` from the fleet, or null (a placeholder, a lineage, nothing). */
export function installedSerial(config: Config, cert: Certificate): string | null {
  try {
    const paths = stablePaths(config.certsDir, cert.name);
    const target = readlinkSync(paths.current);
    const base = basename(target);
    return target === join(paths.dir, base) && base.startsWith(DIR_PREFIX) ? base.slice(DIR_PREFIX.length) : null;
  } catch {
    return null;
  }
}

/** Returns the deploy failures (empty: all steps succeeded). The pair is served after the caller's reload. */
export async function installCertificate(config: Config, cert: Certificate, pem: { serial: string; fullchain: string; privkey: Buffer }, say: Say): Promise<string[]> {
  if (!/^[0-9A-Fa-f]{1,64}$/.test(pem.serial)) throw new Error(`serial ${JSON.stringify(pem.serial)} is not hexadecimal`);
  const paths = stablePaths(config.certsDir, cert.name);
  mkdirSync(paths.dir, { recursive: true, mode: 0o755 });
  const name = `${DIR_PREFIX}${pem.serial}`;
  const final = join(paths.dir, name);
  const tmp = mkdtempSync(join(paths.dir, `.${name}-`));
  try {
    writeFileSync(join(tmp, 'fullchain.pem'), pem.fullchain, { mode: 0o644 });
    writeFileSync(join(tmp, 'privkey.pem'), pem.privkey, { mode: 0o600 });
    chmodSync(tmp, 0o755);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Recorded before the switch: a crash from here on still leaves the reload to do.
  markReloadPending(config.certsDir, cert.name);
  const failures = await deployCertificate(config, cert, final, say);
  removeOthers(paths.dir, name);
  return failures;
}

/** Older fleet-* directories and a placeholder: nothing points at them any more. */
function removeOthers(dir: string, keep: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry !== keep && (entry.startsWith(DIR_PREFIX) || entry.startsWith(`.${DIR_PREFIX}`))) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}
