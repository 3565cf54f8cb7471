/**
 * The HTTP-01 preflight before ordering: certificates whose names do not serve
 * a probe file through the webroot are held back (failed validations count
 * against the CA's limits) and reported with what was seen.
 */
import type { PlannedRun } from '../adapters/certbot/obtain.js';
import type { CertReport } from '../model/report.js';
import type { Config } from '../model/types.js';
import type { Progress } from './io.js';

export interface ProbeOptions {
  /** --no-preflight: false. */
  preflight: boolean;
  /** --resolve NAME:ADDRESS, already parsed: where to send each name's probe instead of DNS. */
  resolve: Map<string, string>;
}

export async function holdBackUnreachable(config: Config, plan: PlannedRun[], opts: ProbeOptions, progress: Progress): Promise<{ plan: PlannedRun[]; heldBack: CertReport[] }> {
  if (!opts.preflight || !plan.some((p) => p.cert.challenge === null)) return { plan, heldBack: [] };
  // Loaded only when used: the HTTP client stack is a good part of a short run's start-up.
  const [{ probeCertificates }, { splitByPreflight }] = await Promise.all([import('../adapters/probe/http01.js'), import('../adapters/probe/split.js')]);
  progress.note(`preflight: checking that nginx serves the challenge path of ${plan.filter((p) => p.cert.challenge === null).length} certificate(s)`);
  const reports = await probeCertificates(
    config,
    plan.map((p) => p.cert),
    { resolve: opts.resolve },
  );
  const { fail } = splitByPreflight(reports);
  const failed = new Map(fail.map((f) => [f.name, f.problems]));
  const heldBack: CertReport[] = [];
  for (const run of plan) {
    const problems = failed.get(run.cert.name);
    if (!problems) continue;
    heldBack.push({ name: run.cert.name, domains: run.cert.domains, outcome: 'failed', class: 'preflight', reason: `preflight: ${problems.join('; ')}`, seconds: 0 });
    progress.note(`${run.cert.name}: not sent to the CA: ${problems.join('; ')}`);
  }
  return { plan: plan.filter((p) => !failed.has(p.cert.name)), heldBack };
}
