/**
 * Runs each certificate's on-failure command after obtain or renew, as
 * adapters/renewal/alert.ts decides: /bin/sh -c COMMAND, the run's JSON summary on
 * stdin, the essentials in CERT_WRAP_* variables, its output on stderr (stdout
 * stays the summary's). The EAB secrets are removed from everything it gets.
 * A command that fails is reported and tried again on the next run.
 */
import { renewalStatuses } from '../../run/planner.js';
import type { CertStatus } from '../../adapters/renewal/status.js';
import type { Certificate, Config } from '../../model/types.js';
import { type Alert, alertEnv, planAlerts } from '../../adapters/renewal/alert.js';
import { type AlertMark, readState, recordAlerts } from '../../adapters/store/state.js';
import { InspectionCache } from '../../adapters/store/inspect-cache.js';
import type { RunSummary } from '../output/summary.js';
import { runProcess } from '../../lib/process.js';
import { redact, rememberSecret } from '../../lib/secrets.js';

/** An alert command that hangs is stopped after this long. */
const TIMEOUT_MS = 300_000;

/** `decided`: the certificates' states when the run changed none of them (no certbot run), else they are read again. */
export async function raiseAlerts(config: Config, certs: Certificate[], command: 'obtain' | 'renew', summary: RunSummary, decided?: CertStatus[]): Promise<void> {
  const now = new Date();
  // Through the certificate cache: after a run with nothing renewed, no certificate is parsed again.
  const reader = InspectionCache.shared();
  const statuses = decided ?? renewalStatuses(config, certs, now, reader);
  reader.save();
  const plan = planAlerts(summary.certificates, statuses, readState(config.certsDir), now, config.alertBeforeDays);
  const marks = new Map<string, AlertMark | null>(plan.cleared.map((name) => [name, null]));
  if (config.eab) for (const secret of [config.eab.kid, config.eab.hmacKey]) rememberSecret(secret);
  const hide = redact;
  for (const alert of plan.run) {
    const input = hide(`${JSON.stringify({ command, certificate: describe(alert), summary }, null, 2)}\n`);
    const env = Object.fromEntries(Object.entries(alertEnv(alert, command)).map(([k, v]) => [k, hide(v)]));
    const failure = await runAlert(alert.command, env, input);
    if (failure === null) marks.set(alert.cert.name, { condition: alert.condition, at: now.toISOString() });
    else process.stderr.write(`cert-wrap: on-failure of ${alert.cert.name} ${failure}; it runs again on the next run: ${alert.command}\n`);
  }
  recordAlerts(config.certsDir, marks);
}

function describe(alert: Alert) {
  return { name: alert.cert.name, domains: alert.cert.domains, class: alert.condition, reason: alert.reason, daysLeft: alert.daysLeft, notAfter: alert.notAfter };
}

/** null when the command exited 0, else what went wrong. */
async function runAlert(command: string, env: Record<string, string>, input: string): Promise<string | null> {
  // Like certbot's hooks and the deploy-hook: the configured command, in a shell, on purpose.
  const r = await runProcess('/bin/sh', ['-c', command], { input, stdout: 'stderr', stderr: 'inherit', env, timeoutMs: TIMEOUT_MS });
  if (r.exitCode === 0) return null;
  if (r.timedOut) return `was stopped after ${TIMEOUT_MS / 1000} s`;
  return r.signal ? `was stopped by ${r.signal}` : r.startError !== null ? `could not start: ${r.startError}` : `failed (exit code ${r.exitCode})`;
}
