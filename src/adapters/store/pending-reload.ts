/**
 * "nginx must be reloaded" as a file, so the need survives a crash: the deploy
 * hook records it (when `obtain`/`renew` will reload once at the end), and it
 * is cleared only after a reload succeeded. A run killed between the issuance
 * and the reload leaves it behind, and the next run of any kind reloads.
 *
 * certs-dir may be writable by others: the file is never opened through a
 * link, a FIFO or another user's file planted at its name; such an entry is
 * not ours and is replaced.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile } from '../../lib/read-regular.js';
import { MAX_OWN_FILE_BYTES, RELOAD_PENDING_FILE } from '../../model/paths.js';

export function pendingReloadPath(certsDir: string): string {
  return join(certsDir, RELOAD_PENDING_FILE);
}

export function markReloadPending(certsDir: string, lineage: string): void {
  mkdirSync(certsDir, { recursive: true, mode: 0o755 });
  appendOwnFile(pendingReloadPath(certsDir), `${lineage}\n`);
}

/** The lineages deployed since the last successful reload (empty: none pending). */
export function pendingReload(certsDir: string): string[] {
  try {
    const text = readRegularFile(pendingReloadPath(certsDir), { maxBytes: MAX_OWN_FILE_BYTES, noFollow: true }).toString('utf8');
    return [...new Set(text.split('\n').filter(Boolean))];
  } catch {
    return [];
  }
}

/** When the pending reload was last recorded, or null. */
export function pendingSince(certsDir: string): Date | null {
  try {
    return lstatSync(pendingReloadPath(certsDir)).mtime;
  } catch {
    return null;
  }
}

export function clearPendingReload(certsDir: string): void {
  rmSync(pendingReloadPath(certsDir), { force: true });
}

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Append to our own regular file; anything else at the name is removed and the file created afresh (O_EXCL). */
function appendOwnFile(file: string, text: string): void {
  let fd = openOwn(file);
  if (fd === null) {
    rmSync(file, { force: true });
    fd = openSync(file, APPEND | constants.O_EXCL, 0o644);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** The open file when it is a regular file of ours with one name; null for a link, FIFO or foreign file. */
function openOwn(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, APPEND, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // a symbolic link; a FIFO without reader; another user's file or FIFO in a sticky directory (fs.protected_*)
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'EACCES') return null;
    throw err;
  }
  const st = fstatSync(fd);
  if (st.isFile() && st.nlink === 1 && st.uid === process.geteuid?.()) return fd;
  closeSync(fd);
  return null;
}
