import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replace `file` with `content` so that a reader (or a crash) only ever sees
 * the complete old or the complete new file: write a temporary file in the
 * same directory (created exclusively: never through a link), fsync it, rename
 * it over the target. The rename replaces the directory entry itself, so a
 * symbolic link planted at `file` is replaced, never written through. The mode
 * of an existing regular file of the same owner is kept; anything else (a new
 * file, a link, another user's file) gets `mode`, set with fchmod so the umask
 * cannot narrow it (a metrics file must stay readable by node_exporter).
 * For paths a user names, which may be devices or stdout: output-file.ts.
 * `durable: false` (caches, which a crash may empty: a bad entry is a miss)
 * skips the two fsyncs; the replacement is atomic all the same.
 */
export function writeFileAtomic(file: string, content: string, mode = 0o644, opts: { durable?: boolean } = {}): void {
  const durable = opts.durable ?? true;
  const dir = dirname(file);
  const prefix = `.${basename(file)}.`;
  removeStaleTemporaries(dir, prefix);
  const tmp = join(dir, `${prefix}${process.pid}.${tmpSuffix()}.tmp`);
  const keepMode = existingMode(file) ?? mode;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      fchmodSync(fd, keepMode);
      writeSync(fd, content);
      if (durable) fsyncSync(fd);
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
  if (durable) syncDir(dir);
}

/** The mode of `file` when it is a regular file (not a link) owned by this process's user. */
function existingMode(file: string): number | null {
  try {
    const st = lstatSync(file);
    return st.isFile() && st.uid === process.geteuid?.() ? st.mode & 0o777 : null;
  } catch {
    return null; // new file
  }
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

/**
 * Eight hex digits that another local user cannot guess in advance (a guessed
 * name only makes the exclusive create fail, never writes through a link).
 * Math.random, not node:crypto: loading that module costs a run that writes
 * one small file more than the write itself.
 */
function tmpSuffix(): string {
  return Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
}
