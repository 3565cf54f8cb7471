/** Which certificates may go to the CA after a preflight: pure, no I/O. */
import type { ProbeReport } from './http01.js';

export interface PreflightSplit {
  /** Names of the certificates to send to the CA: every name served the probe, or the certificate was not probed. */
  pass: string[];
  /** Certificates to hold back, each with one line per failing name ("a.test: 404 Not Found from ..."). */
  fail: { name: string; problems: string[] }[];
}

export function splitByPreflight(reports: readonly ProbeReport[]): PreflightSplit {
  const split: PreflightSplit = { pass: [], fail: [] };
  for (const report of reports) {
    const problems = report.results.filter((r) => !r.ok).map((r) => `${r.domain}: ${r.seen}`);
    if (problems.length === 0) split.pass.push(report.name);
    else split.fail.push({ name: report.name, problems });
  }
  return split;
}
