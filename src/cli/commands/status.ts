/**
 * cert-wrap status: every certificate's expiry and next action, as a table,
 * as JSON, and as Prometheus metrics. cert-wrap plan: what renew would run.
 */
import { printable } from '../../certbot/args.js';
import { planObtain } from '../../certbot/obtain.js';
import { loadConfigCached } from '../../config/cached.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { RuntimeError } from '../../lib/errors.js';
import { renderMetrics } from '../../lifecycle/metrics.js';
import { readState } from '../../lifecycle/state.js';
import { type CertStatus, statusOf, statusRows } from '../../lifecycle/status.js';
import { painter, useColor } from '../color.js';
import { formatColumns } from '../table.js';
import { ownDeployHook, selectCertificates } from './obtain.js';

export interface StatusArgs {
  config: string;
  cert?: string[];
  json: boolean;
  metrics?: string;
}

export async function status(args: StatusArgs): Promise<number> {
  const config = await loadConfigCached(args.config);
  const now = new Date();
  const statuses = statusOf(config, selectCertificates(config, args.cert ?? []), now);
  if (args.metrics) writeMetrics(args.metrics, statuses, config.certsDir, now);
  const rows = statusRows(statuses, now);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ now: now.toISOString(), certificates: rows }, null, 2)}\n`);
    return 0;
  }
  const c = painter(useColor(process.stdout));
  const table = formatColumns(
    ['NAME', 'NAMES', 'NOT AFTER', 'DAYS LEFT', 'NEXT ACTION', 'REASON'],
    rows.map((r) => [r.name, r.domains.join(', '), r.notAfter?.replace(/\.\d+Z$/, 'Z') ?? '-', r.daysLeft?.toFixed(1) ?? '-', r.action, r.reason]),
    (row, i) => (i === 4 && row[4] !== 'none' ? c.yellow : null),
  );
  process.stdout.write(table);
  return 0;
}

export function writeMetrics(file: string, statuses: CertStatus[], certsDir: string, now: Date): void {
  try {
    writeFileAtomic(file, renderMetrics(statuses, readState(certsDir), now));
  } catch (err) {
    throw new RuntimeError(`cannot write metrics to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function plan(args: { config: string; cert?: string[]; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  const statuses = statusOf(config, selectCertificates(config, args.cert ?? []), new Date());
  const deployHook = ownDeployHook(config);
  const items = statuses.map((s) => {
    const [run] = s.decision.action === 'none' ? [] : planObtain(config, [s.cert], { deployHook, dryRun: false, forceRenewal: s.decision.action === 'renew' });
    return { name: s.cert.name, action: s.decision.action, reason: s.decision.reason, command: run ? printable(config.certbot, run.args, run.secrets !== null) : null };
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ certificates: items }, null, 2)}\n`);
    return 0;
  }
  for (const item of items) {
    process.stdout.write(`${item.name}: ${item.action === 'none' ? 'nothing to do' : item.action} (${item.reason})\n`);
    if (item.command) process.stdout.write(`  ${item.command}\n`);
  }
  return 0;
}
