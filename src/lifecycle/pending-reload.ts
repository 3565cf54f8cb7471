/**
 * "nginx must be reloaded" as a file, so the need survives a crash: the deploy
 * hook records it (when `obtain`/`renew` will reload once at the end), and it
 * is cleared only after a reload succeeded. A run killed between the issuance
 * and the reload leaves it behind, and the next run of any kind reloads.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Set by `obtain`/`renew` for the certbot runs they start: the deploy hook then leaves the reload to them. */
export const DEFER_RELOAD_ENV = 'CERT_WRAP_DEFER_RELOAD';
/** Its value under --no-reload: something else reloads nginx, so no reload is recorded as pending. */
export const NO_RELOAD = 'no-reload';

export function pendingReloadPath(certsDir: string): string {
  return join(certsDir, 'reload-pending');
}

export function markReloadPending(certsDir: string, lineage: string): void {
  mkdirSync(certsDir, { recursive: true, mode: 0o755 });
  appendFileSync(pendingReloadPath(certsDir), `${lineage}\n`);
}

/** The lineages deployed since the last successful reload (empty: none pending). */
export function pendingReload(certsDir: string): string[] {
  try {
    return [...new Set(readFileSync(pendingReloadPath(certsDir), 'utf8').split('\n').filter(Boolean))];
  } catch {
    return [];
  }
}

/** When the pending reload was last recorded, or null. */
export function pendingSince(certsDir: string): Date | null {
  try {
    return statSync(pendingReloadPath(certsDir)).mtime;
  } catch {
    return null;
  }
}

export function clearPendingReload(certsDir: string): void {
  rmSync(pendingReloadPath(certsDir), { force: true });
}
