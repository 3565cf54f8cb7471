/** cert-wrap status: every certificate's expiry and next action, as a table, as JSON, and as Prometheus metrics. */
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { UsageError } from '../../lib/errors.js';
import { checkMetricsTarget, writeMetrics } from '../../run/metrics-file.js';
import { renewalStatuses } from '../../run/planner.js';
import { selectCertificates } from '../../run/select.js';
import { statusReport, unknownExit } from '../../run/status-report.js';
import { useColor } from '../output/color.js';
import { writeStdout } from '../output/stdio.js';
import { formatStatus } from '../output/status-table.js';
import type { StatusArgs } from './status-args.js';

export type { StatusArgs };

export async function status(args: StatusArgs): Promise<number> {
  if (args.check) return (await import('./check.js')).check(args);
  if (args.warning !== undefined || args.critical !== undefined) throw new UsageError('--warning and --critical go with --check');
  checkMetricsTarget(args.metrics, args.config);
  const config = await loadConfigCached(args.config);
  if (config.fleet !== null) return (await import('./fleet-status.js')).fleetStatus(config, args);
  const now = new Date();
  const statuses = renewalStatuses(config, selectCertificates(config, args.cert ?? []), now);
  if (args.metrics) writeMetrics(args.metrics, statuses, config.certsDir, now);
  const report = statusReport(config, statuses, now);
  writeStdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, useColor(1)));
  return unknownExit(statuses);
}
