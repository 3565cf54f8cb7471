/**
 * Checks made before any certbot run, so that a run fails early with one clear
 * sentence instead of halfway through: certbot present, webroot usable, every
 * hook's command present (certbot itself refuses a hook whose first word is
 * not an executable), the deploy copies' owners, groups and directories usable.
 */
import { existsSync } from 'node:fs';
import type { Certificate, Config } from '../model/types.js';
import { AccountDb } from '../adapters/deploy/accounts.js';
import { deployProblems } from '../adapters/deploy/check.js';
import { PreflightError } from '../lib/errors.js';
import { whyNotWritable } from '../lib/fs-reason.js';
import { webrootProblem } from '../lib/webroot.js';
import { which } from '../lib/which.js';
import { lineageFile } from '../leaves/certbot-layout.js';

export interface Problem {
  message: string;
}

export function readinessProblems(config: Config, certs: Certificate[]): Problem[] {
  const problems: Problem[] = [];
  if (which(config.certbot) === null) {
    problems.push({
      message: config.certbot.includes('/')
        ? `certbot not found: ${config.certbot} is not an executable file (fix the "certbot" key of the config)`
        : `certbot not found: "${config.certbot}" is not on PATH (install it with apt-get install certbot, or set "certbot" in the config to its path)`,
    });
  }
  if (certs.some((c) => c.challenge === null)) {
    const webroot = webrootProblem(config.webroot);
    if (webroot) problems.push({ message: webroot });
  }
  // bootstrap runs before ordering: placeholders need openssl, and the stable paths a writable certs-dir.
  if (certs.some((c) => !existsSync(lineageFile(config.configDir, c.name, 'fullchain.pem'))) && which('openssl') === null) {
    problems.push({ message: 'openssl not found: it makes the placeholder certificates before the first issuance (apt-get install openssl)' });
  }
  const dirs: [string, string][] = [
    ['certs-dir', config.certsDir],
    ['config-dir', config.configDir],
    ['work-dir', config.workDir],
    ['logs-dir', config.logsDir],
  ];
  for (const [key, dir] of dirs) {
    const why = whyNotWritable(dir);
    if (why) problems.push({ message: `${key} ${dir} ${why}: ${key === 'certs-dir' ? 'cert-wrap' : 'certbot'} must write there` });
  }
  problems.push(...hookAndDeployProblems(certs, config.onFailure));
  return problems;
}

/**
 * What is wrong with the certificates' own settings, whatever is due: every
 * hook's first word, the deploy copies' owners, groups and directories.
 */
export function hookAndDeployProblems(certs: Certificate[], topOnFailure: string | null = null): Problem[] {
  const problems: Problem[] = [];
  if (topOnFailure !== null && certs.some((c) => c.onFailure === topOnFailure)) {
    const first = topOnFailure.trim().split(/\s+/)[0]!;
    if (which(first) === null) problems.push({ message: `on-failure: "${first}" is not an executable file or a command on PATH (the alert command's first word must be one; put shell code in a script)` });
  }
  const accounts = new AccountDb();
  for (const cert of certs) {
    for (const [key, hook] of [
      ['authentication-hook', cert.authenticationHook],
      ['cleanup-hook', cert.cleanupHook],
      ['deploy-hook', cert.deployHook],
      // The top-level on-failure is checked once, below, under its own name.
      ['on-failure', cert.onFailure === topOnFailure ? null : cert.onFailure],
    ] as const) {
      if (hook === null) continue;
      const first = hook.trim().split(/\s+/)[0]!;
      if (which(first) === null) {
        problems.push({
          message: `certificates[${cert.index}].${key}: "${first}" is not an executable file or a command on PATH (a hook runs only when its first word is one, as certbot checks; put shell code in a script)`,
        });
      }
    }
    // Owners, groups and directories of the deploy copies: found now, not after the CA issued.
    for (const message of deployProblems(cert, accounts)) problems.push({ message });
  }
  return problems;
}

/** Throws one PreflightError that lists every problem. */
export function refuseIfAny(problems: Problem[]): void {
  if (problems.length > 0) throw new PreflightError(`cannot start:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
}

/** Everything certbot and cert-wrap need for these certificates, checked before acting (exit 2). */
export function checkBeforeRunning(config: Config, certs: Certificate[]): void {
  refuseIfAny(readinessProblems(config, certs));
}

/** The certificates' hooks and deploy copies, checked before the lock is taken, whatever is due (exit 2). */
export function checkHooksAndCopies(config: Config, certs: Certificate[]): void {
  refuseIfAny(hookAndDeployProblems(certs, config.onFailure));
}
