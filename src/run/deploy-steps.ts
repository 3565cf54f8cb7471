/**
 * The deploy steps of one certificate, after an issuance (from the deploy
 * hook) or again after they failed (from obtain and renew, without ordering):
 * point the stable paths at the lineage, make the deploy copies, run the
 * certificate's own deploy-hook. A failure of one does not hide the others.
 * The outcome is recorded in state.json, so that a failure is retried by the
 * next run until the steps succeed.
 */
import type { Certificate, Config } from '../model/types.js';
import { runProcess } from '../lib/process.js';
import { switchToLineage } from '../adapters/store/bootstrap.js';
import { clearDeployFailure, recordDeployFailure } from '../adapters/store/state.js';
import { deployCopies, describeCopy } from '../adapters/deploy/copy.js';

/** Where each step reports: `ok` false for failures. */
export type Say = (text: string, ok?: boolean) => void;

/** Run every step; returns the failures (empty: all succeeded), each one line. */
export async function deployCertificate(config: Config, cert: Certificate, lineage: string, say: Say): Promise<string[]> {
  const failures: string[] = [];
  const report = (text: string, ok: boolean) => {
    say(text, ok);
    if (!ok) failures.push(text);
  };
  // The stable paths (what nginx's HTTPS servers name) now lead to the issued certificate.
  try {
    switchToLineage(config, cert, lineage);
  } catch (err) {
    report(`cannot point ${config.certsDir}/${cert.name} at ${lineage}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
  }
  // Copies with their own owner, group and mode, before the user's hook (which may restart what reads them).
  for (const result of deployCopies(cert, lineage)) report(describeCopy(result), result.error === null);
  if (cert.deployHook !== null) {
    // The user's hook runs in a shell on purpose, as certbot runs hooks, with the same environment.
    // RENEWED_DOMAINS as certbot gives it, or (when redone by a later run) as certbot would.
    const env = { RENEWED_LINEAGE: lineage, RENEWED_DOMAINS: process.env.RENEWED_DOMAINS ?? cert.domains.join(' ') };
    const r = await runProcess('/bin/sh', ['-c', cert.deployHook], { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit', env });
    if (r.exitCode !== 0) report(`deploy-hook of certificate ${cert.name} failed (exit code ${r.exitCode ?? r.signal ?? 'unknown'}): ${cert.deployHook}`, false);
  }
  remember(config, cert, failures);
  return failures;
}

function remember(config: Config, cert: Certificate, failures: string[]): void {
  try {
    if (failures.length > 0) recordDeployFailure(config.certsDir, cert.name, failures[0]!, new Date());
    else clearDeployFailure(config.certsDir, cert.name);
  } catch {
    // certs-dir not writable: the failures themselves were reported above
  }
}
