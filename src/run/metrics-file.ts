/** --metrics: the Prometheus text file written by status and renew, checked before any work. */
import { renderMetrics } from '../adapters/renewal/metrics.js';
import type { CertStatus } from '../adapters/renewal/status.js';
import { readState } from '../adapters/store/state.js';
import { RuntimeError, UsageError } from '../lib/errors.js';
import { outputProblem, writeOutputFile } from '../lib/output-file.js';

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
