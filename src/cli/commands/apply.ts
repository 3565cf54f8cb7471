/**
 * cert-wrap apply: everything is checked first (exit 2, nothing written,
 * locked or started), then apply's steps run under the lock (see run/apply.ts),
 * the last of them the same session as renew.
 */
import { resolve } from 'node:path';
import { checkRunningNginx, type RunningNginx } from '../../adapters/nginx/include-check.js';
import { acceptingWorkers, waitForNewWorkers } from '../../adapters/nginx/generation.js';
import { bucketSizeWarnings, renderNginx } from '../../adapters/nginx/render.js';
import { loadTemplates } from '../../adapters/nginx/templates.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { pendingReload } from '../../adapters/store/pending-reload.js';
import { readServersFile, restoreServersFile, writeServersFile } from '../../adapters/store/servers-file.js';
import type { Config } from '../../model/types.js';
import { type ApplySteps, executeApply } from '../../run/apply.js';
import type { ReloadReport } from '../../run/io.js';
import { bootstrapCertificates } from '../../run/bootstrap.js';
import { checkBeforeRunning, checkHooksAndCopies } from '../../run/checks.js';
import { ownDeployHook } from '../../run/hooks.js';
import { reloadPending } from '../../run/reload-pending.js';
import { runSession } from '../../run/session.js';
import { realSessionIO, underLock } from '../../run/session-io.js';
import { formatApply } from '../output/apply-summary.js';
import { useColor } from '../output/color.js';
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
  const serversPath = resolve(args.nginxConf);
  checkBeforeRunning(config, config.certificates);
  checkHooksAndCopies(config, config.certificates);
  const text = renderNginx(config, await loadTemplates(args.templates));
  for (const warning of bucketSizeWarnings(config)) process.stderr.write(`cert-wrap: warning: ${warning}\n`);
  const nginx = await checkRunningNginx(config, serversPath);
  const progress = newProgress();
  // The lock is taken once, here, for all of apply's steps: the session runs inside it.
  const io = { ...realSessionIO(config, { ...session, progress, aroundReload: (reload) => withNewWorkers(nginx, reload) }), lock: <T>(work: () => Promise<T>) => work() };
  const opts = { deployHook: ownDeployHook(config), dryRun: false, force: false, reload: true, reloadChecked: true };
  const report = await underLock(config, args.lockTimeout, progress, () => {
    const file = readServersFile(serversPath, text);
    const steps: ApplySteps = {
      bootstrap: () => bootstrapCertificates(config, config.certificates),
      writeServers: () => writeServersFile(file),
      restoreServers: () => restoreServersFile(file),
      reloadPending: () => pendingReload(config.certsDir).length > 0,
      reload: () => reloadAndWait(config, nginx),
      obtain: () => runSession(config, config.certificates, opts, io),
    };
    return executeApply(serversPath, steps);
  });
  if (report.interruptedExit !== null) return report.interruptedExit;
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatApply(report, useColor(process.stdout)));
  return report.ok ? 0 : 1;
}

/** After a successful reload, wait until nginx's new workers serve. */
async function withNewWorkers(nginx: RunningNginx, reload: () => Promise<ReloadReport>): Promise<ReloadReport> {
  const before = acceptingWorkers(nginx.pid);
  const result = await reload();
  if (result.attempted && result.ok) await waitForNewWorkers(nginx.pid, before);
  return result;
}

/** Reload, then wait until the new workers serve (the preflight and the caller rely on them). */
async function reloadAndWait(config: Config, nginx: RunningNginx) {
  const before = acceptingWorkers(nginx.pid);
  const result = await reloadPending(config);
  if (result.ok) await waitForNewWorkers(result.pid, before);
  return result;
}
