import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replace `file` with `content` so that a reader (or a crash) only ever sees
 * the complete old or the complete new file: write a temporary file in the
 * same directory, fsync it, rename it over the target. An existing file's mode
 * is kept; a new one gets `mode`.
 */
export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let keepMode = mode;
  try {
    keepMode = statSync(file).mode & 0o7777;
  } catch {
    // new file
  }
  const fd = openSync(tmp, 'wx', keepMode);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  syncDir(dirname(file));
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems do not allow fsync on a directory; the rename is still atomic
  }
}
