/**
 * cert-wrap apply: everything is checked first (exit 2, nothing written,
 * locked or started), then apply's steps run under the lock (see run/apply.ts),
 * the last of them the same session as renew.
 */
import { refuseInFleet } from './fleet-guard.js';
import { resolve } from 'node:path';
import { checkRunningNginx } from '../../adapters/nginx/include-check.js';
import { renderNginx, renderWarnings } from '../../adapters/nginx/render.js';
import { targetNginxVersion } from '../../adapters/nginx/target-version.js';
import { loadTemplates } from '../../adapters/nginx/templates.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { executeApply, realApplySteps } from '../../run/apply.js';
import { checkBeforeRunning, checkHooksAndCopies } from '../../run/checks.js';
import { underLock } from '../../run/session-io.js';
import { formatApply } from '../output/apply-summary.js';
import { useColor } from '../output/color.js';
import { writeStdout } from '../output/stdio.js';
import { newProgress } from '../output/progress.js';
import { checkSessionArgs, type SessionArgs } from './session-options.js';

export interface ApplyArgs extends SessionArgs {
  config: string;
  nginxConf: string;
  templates?: string;
  json: boolean;
}

export async function apply(args: ApplyArgs): Promise<number> {
  const session = checkSessionArgs(args);
  const config = await loadConfigCached(args.config);
  refuseInFleet(config, 'apply');
  const serversPath = resolve(args.nginxConf);
  checkBeforeRunning(config, config.certificates);
  checkHooksAndCopies(config, config.certificates);
  const text = renderNginx(config, await loadTemplates(args.templates), await targetNginxVersion(config));
  for (const warning of renderWarnings(config)) process.stderr.write(`cert-wrap: warning: ${warning}\n`);
  const nginx = await checkRunningNginx(config, serversPath);
  const progress = newProgress();
  // The lock is taken once, here, for all of apply's steps: the session runs inside it.
  const report = await underLock(config, args.lockTimeout, progress, () => executeApply(serversPath, realApplySteps(config, serversPath, text, nginx, { ...session, progress })));
  if (report.interruptedExit !== null) return report.interruptedExit;
  writeStdout(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatApply(report, useColor(1)));
  return report.ok ? 0 : 1;
}
