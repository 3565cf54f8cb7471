/**
 * cert-wrap deploy-hook: what certbot runs after each issuance (it stores the
 * command in the lineage's renewal config, so a plain `certbot renew` deploys
 * the same way). Points the stable paths at the new lineage, makes the deploy
 * copies, runs the certificate's own deploy-hook, then reloads nginx; a
 * failure of one does not hide the others.
 */
import { basename } from 'node:path';
import { loadConfigCached } from '../../config/cached.js';
import type { Certificate, Config } from '../../config/types.js';
import { UsageError } from '../../lib/errors.js';
import { cleanText } from '../../lib/secrets.js';
import { deployCopies, describeCopy } from '../../deploy/copy.js';
import { switchToLineage } from '../../lifecycle/bootstrap.js';
import { DEFER_RELOAD_ENV, markReloadPending } from '../../lifecycle/pending-reload.js';
import { reloadPending } from '../../nginx/reload-pending.js';

export async function deployHook(args: { config: string }): Promise<number> {
  const lineage = process.env.RENEWED_LINEAGE;
  if (!lineage) throw new UsageError('deploy-hook is run by certbot after an issuance, with RENEWED_LINEAGE set; it is not set here');
  const config = await loadConfigCached(args.config);
  const name = basename(lineage);
  const cert = config.certificates.find((c) => c.name === name);
  // certbot shows a hook's stderr as "error output": only failures go there.
  const say = (text: string, ok = true) => (ok ? process.stdout : process.stderr).write(`cert-wrap deploy-hook: ${cleanText(text, { lines: true })}\n`);
  let failed = false;

  const numbered = /^(.+)-\d{4}$/.exec(name);
  if (!cert && numbered && config.certificates.some((c) => c.name === numbered[1])) {
    // certbot found NAME damaged and saved NAME-0001 instead: nothing points at it.
    failed = true;
    say(`certbot saved ${numbered[1]} as lineage ${name}: nginx and the deploy copies still use ${numbered[1]}; see cert-wrap's README on damaged lineages`, false);
  } else if (!cert) say(`lineage ${name} is not in ${config.sourceName}: no certificate deploy-hook to run`);
  else failed = !(await deployCertificate(config, cert, lineage, say));

  // Recorded first, so that the need to reload survives a crash from here on.
  markReloadPending(config.certsDir, name);
  if (process.env[DEFER_RELOAD_ENV]) {
    say('nginx will be reloaded once, after all certificates of this run');
  } else {
    const reload = await reloadPending(config);
    if (!reload.ok) failed = true;
    say(reload.message, reload.ok);
  }
  return failed ? 1 : 0;
}

/** Stable paths, deploy copies, then the certificate's own hook. False when any step failed. */
async function deployCertificate(config: Config, cert: Certificate, lineage: string, say: (text: string, ok?: boolean) => void): Promise<boolean> {
  let ok = true;
  // The stable paths (what nginx's HTTPS servers name) now lead to the issued certificate.
  try {
    switchToLineage(config, cert, lineage);
  } catch (err) {
    ok = false;
    say(`cannot point ${config.certsDir}/${cert.name} at ${lineage}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
  }
  // Copies with their own owner, group and mode, before the user's hook (which may restart what reads them).
  for (const result of deployCopies(cert, lineage)) {
    say(describeCopy(result), result.error === null);
    if (result.error !== null) ok = false;
  }
  if (cert.deployHook !== null) {
    const { execa } = await import('execa');
    // The user's hook runs in a shell on purpose, as certbot runs hooks, with the same environment.
    const r = await execa('/bin/sh', ['-c', cert.deployHook], { stdio: 'inherit', reject: false });
    if (r.exitCode !== 0) {
      ok = false;
      say(`deploy-hook of certificate ${cert.name} failed (exit code ${r.exitCode ?? r.signal ?? 'unknown'}): ${cert.deployHook}`, false);
    }
  }
  return ok;
}
