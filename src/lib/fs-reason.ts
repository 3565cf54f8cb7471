import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** A file-system error in words a person acts on, instead of a bare errno. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (err instanceof Error ? err.message : String(err));
}

/** Why `dir` (or, when missing, its nearest existing parent) cannot be written, or null. */
export function whyNotWritable(dir: string): string | null {
  let probe = dir;
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  try {
    accessSync(probe, constants.W_OK);
    return null;
  } catch (err) {
    const why = fsReason(err);
    return probe === dir ? `is not writable (${why})` : `cannot be created: ${probe} is not writable (${why})`;
  }
}
