/** cert-wrap plan: what renew would run now, certificate by certificate, with the certbot command. */
import { printable } from '../../adapters/certbot/args.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { ownDeployHook } from '../../run/hooks.js';
import { planDue, renewalStatuses } from '../../run/planner.js';
import { selectCertificates } from '../../run/select.js';
import { unknownExit } from '../../run/status-report.js';

export async function plan(args: { config: string; cert?: string[]; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  const statuses = renewalStatuses(config, selectCertificates(config, args.cert ?? []), new Date());
  const due = { deployHook: ownDeployHook(config), dryRun: false, force: false };
  const items = statuses.map((s) => {
    const [run] = planDue(config, [s], due);
    return { name: s.cert.name, action: s.decision.action, reason: s.decision.reason, command: run ? printable(config.certbot, run.args, run.secrets !== null) : null };
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ certificates: items }, null, 2)}\n`);
    return unknownExit(statuses);
  }
  for (const item of items) {
    process.stdout.write(`${item.name}: ${item.action === 'none' ? 'nothing to do' : item.action} (${item.reason})\n`);
    if (item.command) process.stdout.write(`  ${item.command}\n`);
  }
  return unknownExit(statuses);
}
