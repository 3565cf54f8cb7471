/**
 * cert-wrap status: every certificate's expiry and next action, as a table,
 * as JSON, and as Prometheus metrics. cert-wrap plan: what renew would run.
 */
import { printable } from '../../certbot/args.js';
import { loadConfigCached } from '../../config/cached.js';
import { RuntimeError, UsageError } from '../../lib/errors.js';
import { outputProblem, writeOutputFile } from '../../lib/output-file.js';
import { renderMetrics } from '../../lifecycle/metrics.js';
import { pendingReload, pendingSince } from '../../lifecycle/pending-reload.js';
import { pendingReason } from '../../nginx/reload-pending.js';
import { readState } from '../../lifecycle/state.js';
import { type CertStatus, type StatusRow, statusOf, statusRows } from '../../lifecycle/status.js';
import { checkStoredRule, type StoredRule } from '../../certbot/renewal-conf.js';
import { painter, useColor } from '../color.js';
import { formatColumns } from '../table.js';
import { planDue } from './due.js';
import { ownDeployHook, selectCertificates } from './obtain.js';

export interface StatusArgs {
  config: string;
  cert?: string[];
  json: boolean;
  metrics?: string;
  check?: boolean;
  warning?: string;
  critical?: string;
}

export async function status(args: StatusArgs): Promise<number> {
  if (args.check) return (await import('./check.js')).check(args);
  if (args.warning !== undefined || args.critical !== undefined) throw new UsageError('--warning and --critical go with --check');
  checkMetricsTarget(args.metrics, args.config);
  const config = await loadConfigCached(args.config);
  if (config.fleet !== null) return (await import('./fleet-status.js')).fleetStatus(config, args);
  const now = new Date();
  const statuses = statusOf(config, selectCertificates(config, args.cert ?? []), now);
  if (args.metrics) writeMetrics(args.metrics, statuses, config.certsDir, now);
  const rules = statuses.map((s) => checkStoredRule(config.configDir, s.cert.name, s.found, config.renewBefore));
  const rows = statusRows(statuses, now).map((row, i) => ({ ...row, certbotRenewBeforeExpiry: rules[i] ?? null }));
  // A certificate whose state could not be read is not reported as fine.
  const code = unknownExit(statuses);
  const pending = pendingReload(config.certsDir);
  if (args.json) {
    const reloadPending = pending.length === 0 ? null : { since: pendingSince(config.certsDir)?.toISOString() ?? null, certificates: pending, reason: pendingReason(config) };
    process.stdout.write(`${JSON.stringify({ now: now.toISOString(), certificates: rows, reloadPending }, null, 2)}\n`);
    return code;
  }
  const c = painter(useColor(process.stdout));
  const table = formatColumns(
    ['NAME', 'NAMES', 'NOT AFTER', 'DAYS LEFT', 'NEXT ACTION', 'REASON'],
    rows.map((r) => [r.name, r.domains.join(', '), r.notAfter?.replace(/\.\d+Z$/, 'Z') ?? '-', r.daysLeft?.toFixed(1) ?? '-', r.action, r.reason]),
    (row, i) => (i === 4 && row[4] !== 'none' ? c.yellow : null),
  );
  process.stdout.write(table);
  if (pending.length > 0) process.stdout.write(`\n${c.yellow(`nginx: ${pendingReason(config)}; run cert-wrap reload`)}\n`);
  const notes = rows.flatMap((r) => statusNotes(r));
  if (notes.length > 0) process.stdout.write(`\n${notes.join('\n')}\n`);
  return code;
}

/** What the table has no room for: the CA's renewal window (ARI), and a certbot setting that disagrees with cert-wrap's rule. */
function statusNotes(r: StatusRow & { certbotRenewBeforeExpiry: StoredRule | null }): string[] {
  const notes: string[] = [];
  const ari = r.ari;
  if (ari?.windowStart && ari.windowEnd) {
    notes.push(`${r.name}: ARI window ${short(ari.windowStart)} to ${short(ari.windowEnd)}${ari.chosen ? `, renewal time chosen in it ${short(ari.chosen)}` : ''}${ari.explanationURL ? `; the CA explains: ${ari.explanationURL}` : ''}`);
  }
  if (ari?.error) notes.push(`${r.name}: ARI not used (the lifetime rule applies): ${ari.error}`);
  const rule = r.certbotRenewBeforeExpiry;
  if (rule && !rule.agrees) {
    notes.push(`${r.name}: certbot's renewal config says renew_before_expiry = ${rule.stored}, cert-wrap's rule is ${rule.expected}: a plain \`certbot renew\` may renew at another time (the next issuance through cert-wrap corrects it)`);
  }
  return notes;
}

const short = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

/** Exit 1 when the state of a certificate is unknown (it could not be read), else 0. */
function unknownExit(statuses: CertStatus[]): number {
  return statuses.some((s) => s.decision.action === 'unknown') ? 1 : 0;
}

/** A --metrics path that would be refused, or is the config file itself: a usage error before any work (exit 2). */
export function checkMetricsTarget(metrics: string | undefined, config: string): void {
  const refused = metrics === undefined ? null : outputProblem(metrics, config);
  if (refused) throw new UsageError(`cannot write metrics to ${metrics}: ${refused}`);
}

export function writeMetrics(file: string, statuses: CertStatus[], certsDir: string, now: Date): void {
  try {
    writeOutputFile(file, renderMetrics(statuses, readState(certsDir), now));
  } catch (err) {
    throw new RuntimeError(`cannot write metrics to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function plan(args: { config: string; cert?: string[]; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  const statuses = statusOf(config, selectCertificates(config, args.cert ?? []), new Date());
  const due = { deployHook: ownDeployHook(config), dryRun: false, force: false };
  const items = statuses.map((s) => {
    const [run] = planDue(config, [s], due);
    return { name: s.cert.name, action: s.decision.action, reason: s.decision.reason, command: run ? printable(config.certbot, run.args, run.secrets !== null) : null };
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ certificates: items }, null, 2)}\n`);
    return unknownExit(statuses);
  }
  for (const item of items) {
    process.stdout.write(`${item.name}: ${item.action === 'none' ? 'nothing to do' : item.action} (${item.reason})\n`);
    if (item.command) process.stdout.write(`  ${item.command}\n`);
  }
  return unknownExit(statuses);
}
