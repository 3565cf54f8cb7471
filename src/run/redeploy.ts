/**
 * Deploy steps that failed after an issuance (a copy's owner missing, a
 * directory refused, the certificate's own deploy-hook failing) are done again
 * by the next obtain or renew, without ordering anything, until they succeed.
 * The deploy hook records each failure in state.json; see deploy/steps.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CertReport } from '../adapters/certbot/obtain.js';
import type { Certificate, Config } from '../model/types.js';
import { deployCertificate } from './deploy-steps.js';
import { lineageDir } from '../leaves/certbot-layout.js';
import { markReloadPending } from '../adapters/store/pending-reload.js';
import { failedDeploys } from '../adapters/store/state.js';
import type { Progress } from './io.js';

/**
 * Redo the deploy steps of those of `certs` whose last deploy failed and whose
 * lineage exists. Returns a failed report (class `deploy`) for each that fails
 * again; those that succeed are noted, and nginx is reloaded at the end of the run.
 */
export async function redoFailedDeploys(config: Config, certs: Certificate[], progress: Progress): Promise<CertReport[]> {
  const failed = failedDeploys(config.certsDir);
  const reports: CertReport[] = [];
  for (const cert of certs) {
    const before = failed.get(cert.name);
    const lineage = lineageDir(config.configDir, cert.name);
    if (!before || !existsSync(join(lineage, 'fullchain.pem'))) continue;
    progress.note(`${cert.name}: its deploy steps failed at ${before.at}; doing them again`);
    const started = Date.now();
    const failures = await deployCertificate(config, cert, lineage, (text) => progress.note(`${cert.name}: ${text}`));
    markReloadPending(config.certsDir, cert.name);
    if (failures.length === 0) continue;
    const reason = `deploying the certificate failed again: ${failures.join('; ')}`;
    reports.push({ name: cert.name, domains: cert.domains, outcome: 'failed', class: 'deploy', reason, seconds: (Date.now() - started) / 1000 });
  }
  return reports;
}
