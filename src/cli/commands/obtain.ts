/**
 * cert-wrap obtain: the certificates of the config (or those named with
 * --cert) that need something, decided like `renew` does: a new certificate is
 * always ordered, one whose names changed is reissued, one that is due is
 * renewed, and one that is not due is left alone unless --force. Then nginx is
 * reloaded once if anything was issued.
 */
import { refuseInFleet } from './fleet-guard.js';
import { realpathSync } from 'node:fs';
import { deployHookCommand, printable } from '../../certbot/args.js';
import { loadConfigCached } from '../../config/cached.js';
import type { Certificate, Config } from '../../config/types.js';
import { UsageError } from '../../lib/errors.js';
import { useColor } from '../color.js';
import { formatTable, type RunSummary } from '../summary.js';
import { statusOf } from '../../lifecycle/status.js';
import { planDue, runDue } from './due.js';
import { checkBeforeRunning, checkOptions, checkReloadBeforeRunning, newProgress, underLock } from './session.js';

export interface ObtainArgs {
  config: string;
  cert?: string[];
  print: boolean;
  dryRun: boolean;
  /** Reissue certificates that are not due too. */
  force: boolean;
  json: boolean;
  lockTimeout: number;
  preflight: boolean;
  resolve?: string[];
  reload: boolean;
}

export async function obtain(args: ObtainArgs): Promise<number> {
  await checkOptions(args);
  const config = await loadConfigCached(args.config);
  refuseInFleet(config, 'obtain');
  const certs = selectCertificates(config, args.cert ?? []);
  const due = { deployHook: ownDeployHook(config), dryRun: args.dryRun, force: args.force };
  if (args.print) {
    // What would run now: the same decision, on what is on disk (no ARI request).
    for (const s of statusOf(config, certs, new Date())) {
      const [run] = planDue(config, [s], due);
      process.stdout.write(run ? `${printable(config.certbot, run.args, run.secrets !== null)}\n` : `# ${s.cert.name}: ${s.decision.action === 'none' ? 'not due' : s.decision.action}: ${s.decision.reason}\n`);
    }
    return 0;
  }
  checkBeforeRunning(config, certs);
  await checkReloadBeforeRunning(config, args.reload);
  const progress = newProgress();
  const outcome = await underLock(config, args.lockTimeout, progress, () => runDue(config, certs, { ...args, ...due, reloadChecked: true }, progress));
  if (outcome.interruptedExit !== null) return outcome.interruptedExit;
  const { certificates, reload } = outcome;
  const summary: RunSummary = {
    ok: certificates.every((r) => r.outcome !== 'failed') && reload.ok,
    certificates,
    reload,
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
