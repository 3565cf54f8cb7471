/**
 * cert-wrap obtain: the certificates of the config (or those named with
 * --cert) that need something, decided like `renew` does: a new certificate is
 * always ordered, one whose names changed is reissued, one that is due is
 * renewed, and one that is not due is left alone unless --force. Then nginx is
 * reloaded once if anything was issued.
 */
import { refuseInFleet } from './fleet-guard.js';
import { printable } from '../../adapters/certbot/args.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { checkBeforeRunning } from '../../run/checks.js';
import { ownDeployHook } from '../../run/hooks.js';
import type { RunSummary } from '../../run/io.js';
import { planDue, renewalStatuses } from '../../run/planner.js';
import { selectCertificates } from '../../run/select.js';
import { runSession } from '../../run/session.js';
import { realSessionIO } from '../../run/session-io.js';
import { checkCanReload } from '../../adapters/nginx/can-reload.js';
import { useColor } from '../output/color.js';
import { writeStdout } from '../output/stdio.js';
import { newProgress } from '../output/progress.js';
import { formatTable } from '../output/summary.js';
import { checkSessionArgs, type SessionArgs } from './session-options.js';

export interface ObtainArgs extends SessionArgs {
  config: string;
  cert?: string[];
  print: boolean;
  dryRun: boolean;
  /** Reissue certificates that are not due too. */
  force: boolean;
  json: boolean;
  reload: boolean;
}

export async function obtain(args: ObtainArgs): Promise<number> {
  const session = checkSessionArgs(args);
  const config = await loadConfigCached(args.config);
  refuseInFleet(config, 'obtain');
  const certs = selectCertificates(config, args.cert ?? []);
  const opts = { deployHook: ownDeployHook(config), dryRun: args.dryRun, force: args.force, reload: args.reload, reloadChecked: true };
  if (args.print) {
    // What would run now: the same decision, on what is on disk (no ARI request).
    for (const s of renewalStatuses(config, certs, new Date())) {
      const [run] = planDue(config, [s], opts);
      process.stdout.write(run ? `${printable(config.certbot, run.args, run.secrets !== null)}\n` : `# ${s.cert.name}: ${s.decision.action === 'none' ? 'not due' : s.decision.action}: ${s.decision.reason}\n`);
    }
    return 0;
  }
  checkBeforeRunning(config, certs);
  if (args.reload) await checkCanReload(config);
  const outcome = await runSession(config, certs, opts, realSessionIO(config, { ...session, progress: newProgress() }));
  if (outcome.interruptedExit !== null) return outcome.interruptedExit;
  const summary: RunSummary = { ok: outcome.certificates.every((r) => r.outcome !== 'failed') && outcome.reload.ok, certificates: outcome.certificates, reload: outcome.reload };
  if (!args.dryRun) await (await import('./alerts.js')).raiseAlerts(config, certs, 'obtain', summary);
  writeStdout(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatTable(summary, useColor(1)));
  return summary.ok ? 0 : 1;
}
