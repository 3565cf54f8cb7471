/**
 * apply's steps, in the only order that keeps nginx serving at every moment:
 * stable paths and placeholders -> the servers file -> nginx -t and reload
 * (the old file put back when nginx rejects the new one) -> certbot for what
 * is missing or due -> one reload if anything was issued. The steps are
 * given, so the order and the rollback are shown without processes.
 */
import type { CertReport } from '../adapters/certbot/obtain.js';
import type { BootstrapResult } from '../adapters/store/bootstrap.js';
import type { ReloadResult } from '../adapters/nginx/reload.js';
import type { ServersFileAction } from '../adapters/store/servers-file.js';
import type { ReloadReport } from './io.js';
import type { RunningNginx } from '../adapters/nginx/include-check.js';
import { acceptingWorkers, waitForNewWorkers } from '../adapters/nginx/generation.js';
import { pendingReload } from '../adapters/store/pending-reload.js';
import { readServersFile, restoreServersFile, writeServersFile } from '../adapters/store/servers-file.js';
import type { Config } from '../model/types.js';
import { bootstrapCertificates } from './bootstrap.js';
import { ownDeployHook } from './hooks.js';
import { reloadPending } from './reload-pending.js';
import { runSession } from './session.js';
import { type RealSessionOptions, realSessionIO } from './session-io.js';

export type { ReloadReport };

export interface ObtainResult {
  certificates: CertReport[];
  /** Certificates certbot ran for (or the preflight held back). */
  ran: CertReport[];
  reload: ReloadReport;
  interruptedExit: number | null;
}

export interface ApplySteps {
  bootstrap(): Promise<BootstrapResult[]>;
  writeServers(): Exclude<ServersFileAction, 'restored'>;
  restoreServers(): void;
  /** Lineages deployed but not yet announced to nginx (a run killed before its reload). */
  reloadPending(): boolean;
  /** nginx -t of the running configuration, then SIGHUP, then the new workers are up. */
  reload(): Promise<ReloadResult>;
  obtain(): Promise<ObtainResult>;
}

export interface ApplyReport {
  ok: boolean;
  /** false: the run found everything in place and changed nothing. */
  changed: boolean;
  serversFile: { path: string; action: ServersFileAction };
  bootstrap: BootstrapResult[];
  /** The reload that makes nginx read the servers file and the stable paths. */
  reload: ReloadReport;
  certificates: CertReport[];
  /** The reload after certbot issued something. */
  certificatesReload: ReloadReport;
  interruptedExit: number | null;
}

const notReloaded = (message: string): ReloadReport => ({ attempted: false, ok: true, message });

export async function executeApply(serversPath: string, steps: ApplySteps): Promise<ApplyReport> {
  const bootstrap = await steps.bootstrap();
  let action: ServersFileAction = steps.writeServers();
  const placed = bootstrap.some((b) => b.action !== 'unchanged');
  let reload = notReloaded('nginx not reloaded: its servers and certificate paths were already in place');
  if (action !== 'unchanged' || placed || steps.reloadPending()) {
    const result = await steps.reload();
    reload = { attempted: true, ok: result.ok, message: result.message };
    if (!result.ok && result.reason === 'config-invalid' && action !== 'unchanged') {
      steps.restoreServers();
      action = 'restored';
      reload.message = `${result.message}\n${serversPath} was put back as it was before; nothing was sent to the CA`;
    }
  }
  const base = { serversFile: { path: serversPath, action }, bootstrap, reload };
  if (!reload.ok) {
    return { ...base, ok: false, changed: true, certificates: [], certificatesReload: notReloaded('nginx not reloaded'), interruptedExit: null };
  }
  const obtained = await steps.obtain();
  const ok = obtained.certificates.every((c) => c.outcome !== 'failed') && obtained.reload.ok;
  const changed = action !== 'unchanged' || reload.attempted || obtained.ran.length > 0 || obtained.reload.attempted;
  return { ...base, ok, changed, certificates: obtained.certificates, certificatesReload: obtained.reload, interruptedExit: obtained.interruptedExit };
}

/** apply's steps for real, under the lock the caller holds: the session runs inside it and waits for nginx's new workers after each reload. */
export function realApplySteps(config: Config, serversPath: string, text: string, nginx: RunningNginx, session: RealSessionOptions): ApplySteps {
  const file = readServersFile(serversPath, text);
  const io = { ...realSessionIO(config, { ...session, aroundReload: (reload) => withNewWorkers(nginx, reload) }), lock: <T>(work: () => Promise<T>) => work() };
  const opts = { deployHook: ownDeployHook(config), dryRun: false, force: false, reload: true, reloadChecked: true };
  return {
    bootstrap: () => bootstrapCertificates(config, config.certificates),
    writeServers: () => writeServersFile(file),
    restoreServers: () => restoreServersFile(file),
    reloadPending: () => pendingReload(config.certsDir).length > 0,
    reload: () => withNewWorkers(nginx, () => reloadPending(config)),
    obtain: () => runSession(config, config.certificates, opts, io),
  };
}

/** After a successful reload, wait until nginx's new workers serve (the preflight and the caller rely on them). */
async function withNewWorkers<R extends { ok: boolean; attempted?: boolean }>(nginx: RunningNginx, reload: () => Promise<R>): Promise<R> {
  const before = acceptingWorkers(nginx.pid);
  const result = await reload();
  // The master that was signalled (a reload finds it again from the pid file), else the one checked before.
  const pid = 'pid' in result && typeof result.pid === 'number' ? result.pid : nginx.pid;
  if (result.ok && result.attempted !== false) await waitForNewWorkers(pid, before);
  return result;
}
