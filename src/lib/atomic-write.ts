import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replace `file` with `content` so that a reader (or a crash) only ever sees
 * the complete old or the complete new file: write a temporary file in the
 * same directory, fsync it, rename it over the target. An existing file's mode
 * is kept; a new one gets `mode`, set with fchmod so the umask cannot narrow it
 * (a metrics file must stay readable by node_exporter).
 */
export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const dir = dirname(file);
  const prefix = `.${basename(file)}.`;
  removeStaleTemporaries(dir, prefix);
  const tmp = join(dir, `${prefix}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let keepMode = mode;
  try {
    keepMode = statSync(file).mode & 0o7777;
  } catch {
    // new file
  }
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      fchmodSync(fd, keepMode);
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
  syncDir(dir);
}

/**
 * A run killed between writing and renaming leaves its temporary file behind
 * (the target itself is intact). Temporary files are named PREFIX.PID.RANDOM.tmp:
 * remove those whose writer is gone; never a live writer's.
 */
export function removeStaleTemporaries(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // raced with another cleaner
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
