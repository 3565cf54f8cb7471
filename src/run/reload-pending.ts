import type { Config } from '../model/types.js';
import { clearPendingReload, pendingReload, pendingSince } from '../adapters/store/pending-reload.js';
import { type ReloadResult, reloadNginx } from '../adapters/nginx/reload.js';

export interface PendingReloadReport {
  attempted: boolean;
  ok: boolean;
  message: string;
  skipped?: boolean;
}

/** Reload nginx; on success, nothing is pending any more. */
export async function reloadPending(config: Config): Promise<ReloadResult> {
  const result = await reloadNginx(config);
  if (result.ok) clearPendingReload(config.certsDir);
  return result;
}

/**
 * Reload when a deploy (of this run, or of one that was killed before reloading) asked for it.
 * `earlier`: nothing was issued by this run, so the message says why nginx is reloaded anyway.
 */
export async function reloadIfPending(config: Config, opts: { earlier?: boolean } = {}): Promise<PendingReloadReport> {
  const lineages = pendingReload(config.certsDir);
  if (lineages.length === 0) return { attempted: false, ok: true, message: 'nginx not reloaded: nothing was issued' };
  const why = opts.earlier ? `${pendingReason(config)}; ` : '';
  const result = await reloadPending(config);
  return { attempted: true, ok: result.ok, message: `${why}${result.message}` };
}

/** Why a reload is pending: which certificates were deployed since the last successful reload, and since when. */
export function pendingReason(config: Config): string {
  const lineages = pendingReload(config.certsDir);
  const since = pendingSince(config.certsDir);
  return `a reload is pending${since ? ` since ${since.toISOString().replace(/\.\d+Z$/, 'Z')}` : ''}: ${lineages.join(', ')} deployed by certbot without a successful nginx reload after it`;
}

/** --no-reload: something else reloads nginx. */
export function notReloaded(): PendingReloadReport {
  return { attempted: false, ok: true, skipped: true, message: 'nginx was not reloaded by cert-wrap (--no-reload): reload it yourself to serve new certificates' };
}
