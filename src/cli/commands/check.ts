/**
 * cert-wrap status --check: the monitoring plugin. Whatever goes wrong, the
 * answer is one line on stdout and a plugin exit code: a config that cannot
 * be read, or a bad threshold, is UNKNOWN (3), never a stack trace.
 */
import { renewalStatuses } from '../../run/planner.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { showValue } from '../../lib/errors.js';
import { CHECK_CODES, checkLine } from '../../adapters/renewal/check.js';
import { readState } from '../../adapters/store/state.js';

import { selectCertificates } from '../../run/select.js';
import type { StatusArgs } from './status-args.js';
import { writeMetrics } from '../../run/metrics-file.js';

export const DEFAULT_WARNING_DAYS = 14;

export async function check(args: StatusArgs): Promise<number> {
  try {
    const config = await loadConfigCached(args.config);
    const critical = days('--critical', args.critical) ?? config.alertBeforeDays;
    const warning = days('--warning', args.warning) ?? Math.max(DEFAULT_WARNING_DAYS, critical);
    if (warning < critical) throw new Error(`--warning ${warning} is below --critical ${critical}: give the larger number of days to --warning`);
    const now = new Date();
    const statuses = renewalStatuses(config, selectCertificates(config, args.cert ?? []), now);
    if (args.metrics) writeMetrics(args.metrics, statuses, config.certsDir, now);
    const { code, line } = checkLine(statuses, readState(config.certsDir), now, { warning, critical });
    process.stdout.write(`${line}\n`);
    return code;
  } catch (err) {
    process.stdout.write(`CERT-WRAP UNKNOWN - ${((err as Error).message ?? String(err)).split('\n').join(' ')}\n`);
    return CHECK_CODES.UNKNOWN;
  }
}

function days(flag: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${flag} ${showValue(value)}: give a number of days, 0 or more`);
  return n;
}
