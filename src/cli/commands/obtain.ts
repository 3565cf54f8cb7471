/**
 * cert-wrap obtain: run certbot for every configured certificate (or those
 * named with --cert), then reload nginx once if anything was issued.
 */
import { realpathSync } from 'node:fs';
import { deployHookCommand, printable } from '../../certbot/args.js';
import { planObtain } from '../../certbot/obtain.js';
import { loadConfigCached } from '../../config/cached.js';
import type { Certificate, Config } from '../../config/types.js';
import { UsageError } from '../../lib/errors.js';
import { useColor } from '../color.js';
import { formatTable, type RunSummary } from '../summary.js';
import { bootstrapCertificates } from './bootstrap.js';
import { redoFailedDeploys, withRedeploys } from './redeploy.js';
import { checkBeforeRunning, checkOptions, checkReloadBeforeRunning, holdBackUnreachable, inPlanOrder, newProgress, recordOutcomes, runSession, underLock } from './session.js';

export interface ObtainArgs {
  config: string;
  cert?: string[];
  print: boolean;
  dryRun: boolean;
  json: boolean;
  lockTimeout: number;
  preflight: boolean;
  resolve?: string[];
  reload: boolean;
}

export async function obtain(args: ObtainArgs): Promise<number> {
  await checkOptions(args);
  const config = await loadConfigCached(args.config);
  const certs = selectCertificates(config, args.cert ?? []);
  const plan = planObtain(config, certs, { deployHook: ownDeployHook(config), dryRun: args.dryRun, forceRenewal: false });
  if (args.print) {
    for (const run of plan) process.stdout.write(`${printable(config.certbot, run.args, run.secrets !== null)}\n`);
    return 0;
  }
  checkBeforeRunning(config, certs);
  await checkReloadBeforeRunning(config, args.reload);
  const progress = newProgress();
  const { session, certificates } = await underLock(config, args.lockTimeout, progress, async () => {
    if (!args.dryRun) await bootstrapCertificates(config, certs);
    const redone = args.dryRun ? [] : await redoFailedDeploys(config, certs, progress);
    const checked = await holdBackUnreachable(config, plan, args, progress);
    const session = await runSession(config, checked.plan, progress, { reload: args.reload });
    const certificates = withRedeploys(inPlanOrder(plan, session.reports, checked.heldBack), redone);
    recordOutcomes(config, certificates, args.dryRun);
    return { session, certificates };
  });
  if (session.interruptedExit !== null) return session.interruptedExit;
  const summary: RunSummary = {
    ok: certificates.every((r) => r.outcome !== 'failed') && session.reload.ok,
    certificates,
    reload: session.reload,
  };
  if (!args.dryRun) await (await import('./alerts.js')).raiseAlerts(config, certs, 'obtain', summary);
  process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatTable(summary, useColor(process.stdout)));
  return summary.ok ? 0 : 1;
}

/** The deploy hook certbot stores: this very cert-wrap, with this config. */
export function ownDeployHook(config: Config): string {
  return deployHookCommand(process.execPath, realpathSync(process.argv[1]!), config.sourcePath);
}

export function selectCertificates(config: Config, names: string[]): Certificate[] {
  if (names.length === 0) return config.certificates;
  const known = new Map(config.certificates.map((c) => [c.name, c]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`--cert ${unknown.map((n) => JSON.stringify(n)).join(', ')}: no such certificate in ${config.sourceName} (known: ${[...known.keys()].join(', ')})`);
  }
  return config.certificates.filter((c) => names.includes(c.name));
}
