/**
 * Directories only this user can reach, used through a handle rather than a
 * path, so that no one can swap the directory (or an entry in it) between a
 * check and a read. The config cache, the certificate-dates cache and the
 * file that hands the EAB secrets to certbot all live in one.
 *
 * The directory is opened once with O_DIRECTORY|O_NOFOLLOW, and the handle is
 * checked: owned by this user, closed to group and others. Entries are then
 * reached through /proc/self/fd/N (Linux), which names the opened directory
 * itself, not its path, and each opened entry is checked again (a regular
 * file of this user, mode 0600, not a symlink).
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

const uid = (): number | undefined => process.getuid?.();

/** A directory handle that passed the checks; entries are read and written relative to it. */
export class PrivateDir {
  private constructor(private readonly fd: number) {}

  /**
   * Open `path` (making it, 0700, when `create` and missing) and check the
   * handle; null when it is missing, a symlink, another user's, or open to others.
   */
  static open(path: string, opts: { create?: boolean } = {}): PrivateDir | null {
    if (opts.create) {
      try {
        mkdirSync(path, { recursive: true, mode: 0o700 });
      } catch {
        // not creatable: the open below says whether it exists anyway
      }
    }
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch {
      return null;
    }
    if (!isPrivate(fstatSync(fd), 'directory')) {
      closeSync(fd);
      return null;
    }
    return new PrivateDir(fd);
  }

  /** The path that reaches this very directory (not whatever its name leads to now). */
  get path(): string {
    return `/proc/self/fd/${this.fd}`;
  }

  /** An entry's text, or null when it is missing, a symlink, not a regular file, another user's or open to others. */
  read(name: string): string | null {
    let fd: number;
    try {
      fd = openSync(join(this.path, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return null;
    }
    try {
      return isPrivate(fstatSync(fd), 'file') ? readFileSync(fd, 'utf8') : null;
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /** Replace an entry atomically, mode 0600 (`durable: false`: without fsync, for a cache). */
  write(name: string, text: string, opts: { durable?: boolean } = {}): void {
    writeFileAtomic(join(this.path, name), text, 0o600, opts);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function isPrivate(st: Stats, kind: 'directory' | 'file'): boolean {
  const rightKind = kind === 'directory' ? st.isDirectory() : st.isFile() && st.nlink === 1;
  return rightKind && st.uid === uid() && (st.mode & 0o077) === 0;
}

/**
 * A new private directory for a short-lived file (removed by the caller).
 * root uses /run (memory only, root's own) or /tmp and never an inherited
 * TMPDIR: a directory whose parent another user can write could be renamed
 * away and replaced between its creation and its use.
 */
export function makePrivateTempDir(prefix: string): string {
  const base = tempBase();
  if (!isSafeParent(base)) throw new Error(`${base} can be changed by other users; set TMPDIR to a directory of your own`);
  const dir = mkdtempSync(join(base, `${prefix}${process.pid}.`));
  if (!isPrivate(lstatSync(dir), 'directory')) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${dir} is not private`);
  }
  return dir;
}

/** Only root or this user can rename entries in `dir`: owned by one of them, and not writable by others unless sticky. */
function isSafeParent(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    const owner = st.uid === 0 || st.uid === uid();
    const others = (st.mode & 0o022) !== 0;
    return st.isDirectory() && owner && (!others || (st.mode & 0o1000) !== 0);
  } catch {
    return false;
  }
}

/** Remove what a killed run left: PREFIX.PID.* directories of this user whose process is gone. */
export function removeStalePrivateDirs(prefix: string): void {
  const base = tempBase();
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const path = join(base, name);
    try {
      if (isPrivate(lstatSync(path), 'directory')) rmSync(path, { recursive: true, force: true });
    } catch {
      // raced with another cleaner
    }
  }
}

function tempBase(): string {
  return uid() === 0 ? (isSafeParent('/run') ? '/run' : '/tmp') : tmpdir();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
