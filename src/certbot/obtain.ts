/**
 * Plan, then act: the certbot command of each selected certificate is built as
 * data first (so --print shows exactly what would run); then one executor runs
 * them in order, one at a time, and keeps going after a failure.
 */
import type { Certificate, Config } from '../config/types.js';
import { type CertbotRunOptions, certonlyArgs } from './args.js';
import { classify, type FailureClass, type Outcome } from './outcome.js';
import type { CertbotResult } from './run.js';

export interface PlannedRun {
  cert: Certificate;
  args: string[];
}

export interface CertReport {
  name: string;
  domains: string[];
  outcome: 'issued' | 'unchanged' | 'dry-run' | 'failed';
  class: FailureClass | null;
  reason: string | null;
  seconds: number;
}

export function planObtain(config: Config, certs: Certificate[], opts: CertbotRunOptions): PlannedRun[] {
  return certs.map((cert) => ({ cert, args: certonlyArgs(config, cert, opts) }));
}

export interface ExecuteDeps {
  run(run: PlannedRun): Promise<CertbotResult>;
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
    const result = await deps.run(run);
    const outcome: Outcome = result.spawnError
      ? { kind: 'failed', class: 'other', reason: `cannot run certbot: ${result.spawnError}` }
      : result.killedBy
        ? { kind: 'failed', class: 'other', reason: `interrupted: certbot was stopped by ${result.killedBy}` }
        : classify(result.exitCode, result.output, result.exitCode === 0 ? '' : deps.logTail());
    const report: CertReport = {
      name: run.cert.name,
      domains: run.cert.domains,
      outcome: outcome.kind,
      class: outcome.kind === 'failed' ? outcome.class : null,
      reason: outcome.kind === 'failed' ? outcome.reason : null,
      seconds: Math.round(result.seconds * 10) / 10,
    };
    reports.push(report);
    deps.onDone?.(run, report);
  }
  return reports;
}
