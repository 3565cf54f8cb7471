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
