/**
 * Plan, then act: the certbot command of each selected certificate is built as
 * data first (so --print shows exactly what would run); then one executor runs
 * them in order, one at a time, and keeps going after a failure.
 */
import type { Certificate, Config } from '../../model/types.js';
import { type CertbotRunOptions, certonlyArgs } from './args.js';
import { classify, type Outcome } from './outcome.js';
import type { CertbotResult } from './run.js';
import type { CertReport } from '../../model/report.js';
import { secretsIni } from './secrets-file.js';

export interface PlannedRun {
  cert: Certificate;
  args: string[];
  /** What certbot reads from a private file instead of argv (secretsIni), or null. */
  secrets: string | null;
}

export type { CertReport };

export function planObtain(config: Config, certs: Certificate[], opts: CertbotRunOptions): PlannedRun[] {
  const secrets = secretsIni(config);
  return certs.map((cert) => ({ cert, args: certonlyArgs(config, cert, opts), secrets }));
}

export interface ExecuteDeps {
  run(run: PlannedRun): Promise<CertbotResult>;
  /** A reason not to start certbot for this certificate at all (e.g. a lineage an interrupted certbot left broken). */
  refuse?(run: PlannedRun): string | null;
  /** True once the run was interrupted: no further certificate is started. */
  stopped?(): boolean;
  logTail(): string;
  onStart?(run: PlannedRun, index: number, total: number): void;
  onDone?(run: PlannedRun, report: CertReport): void;
}

export async function executeObtain(plan: PlannedRun[], deps: ExecuteDeps): Promise<CertReport[]> {
  const reports: CertReport[] = [];
  for (const [index, run] of plan.entries()) {
    if (deps.stopped?.()) break;
    deps.onStart?.(run, index, plan.length);
    const refusal = deps.refuse?.(run) ?? null;
    const result: CertbotResult | null = refusal ? null : await deps.run(run);
    const outcome: Outcome = result === null ? { kind: 'failed', class: 'other', reason: refusal! } : outcomeOf(run, result, deps);
    const report: CertReport = {
      name: run.cert.name,
      domains: run.cert.domains,
      outcome: outcome.kind,
      class: outcome.kind === 'failed' ? outcome.class : null,
      reason: outcome.kind === 'failed' ? outcome.reason : null,
      seconds: result === null ? 0 : Math.round(result.durationMs / 100) / 10,
    };
    reports.push(report);
    deps.onDone?.(run, report);
  }
  return reports;
}

/** What one certbot run came to: it could not start, was stopped, saved elsewhere, or its exit code and output say. */
function outcomeOf(run: PlannedRun, result: CertbotResult, deps: ExecuteDeps): Outcome {
  const stoppedBy = result.signal ?? (result.canceled ? 'SIGTERM' : null);
  if (result.startError !== null) return { kind: 'failed', class: 'other', reason: `cannot run certbot: ${result.startError}` };
  if (stoppedBy !== null) return { kind: 'failed', class: 'other', reason: `interrupted: certbot was stopped by ${stoppedBy}` };
  const saved = savedLineage(result.output);
  if (saved !== null && saved !== run.cert.name) {
    return { kind: 'failed', class: 'other', reason: `certbot saved the certificate as lineage ${saved}, not ${run.cert.name}: its files for ${run.cert.name} are damaged (see cert-wrap's README)` };
  }
  const exitCode = result.exitCode ?? 1;
  return classify(exitCode, result.output, exitCode === 0 ? '' : deps.logTail());
}

/** The lineage certbot says it saved to ("Certificate is saved at: .../live/NAME/fullchain.pem"), or null. */
export function savedLineage(output: string): string | null {
  const m = /^Certificate is saved at: .*\/live\/([^/\n]+)\/fullchain\.pem$/m.exec(output);
  return m ? m[1]! : null;
}
