import type { Config } from '../config/types.js';
import { clearPendingReload, pendingReload } from '../lifecycle/pending-reload.js';
import { type ReloadResult, reloadNginx } from './reload.js';

/** Reload nginx; on success, nothing is pending any more. */
export async function reloadPending(config: Config): Promise<ReloadResult> {
  const result = await reloadNginx(config);
  if (result.ok) clearPendingReload(config.certsDir);
  return result;
}

/** Reload when a deploy (of this run, or of one that was killed before reloading) asked for it. */
export async function reloadIfPending(config: Config): Promise<{ attempted: boolean; ok: boolean; message: string }> {
  const lineages = pendingReload(config.certsDir);
  if (lineages.length === 0) return { attempted: false, ok: true, message: 'nginx not reloaded: nothing was issued' };
  const result = await reloadPending(config);
  return { attempted: true, ok: result.ok, message: result.message };
}
