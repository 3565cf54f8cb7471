/**
 * A deploy directory, opened so that no other local user can redirect the
 * copies into a directory of their choosing.
 *
 * The path is walked from `/` one component at a time: each component is
 * opened with O_DIRECTORY|O_NOFOLLOW relative to the handle of its parent
 * (through /proc/self/fd/N, Node having no openat), and each handle is
 * fstat'ed. A component is accepted only when no other user can change the
 * entry that leads to it: its parent belongs to root or to the user running
 * cert-wrap and is writable by no one else (in a sticky directory such as
 * /tmp, the entry itself must belong to one of those two). A symlink is
 * followed only under the same condition, and its target is walked the same
 * way. Otherwise the directory is refused, naming the component and its
 * owner. The copies are then made relative to the final handle, never through
 * the path again. The directory itself may belong to the copy's owner.
 */
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, type Stats } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { showValue } from '../../lib/errors.js';
import type { AccountDb } from './accounts.js';

export interface DirHandle {
  fd: number;
  /** /proc/self/fd/N: a path that reaches the opened directory itself, whatever happens to its name. */
  at: string;
  stat: Stats;
}

export interface OpenOptions {
  /** Create missing directories with this mode (owned by the running user); undefined: a missing one is an error. */
  createMode?: number;
  /** For the owners' names in messages. */
  accounts: AccountDb;
}

const STICKY = 0o1000;
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** As the kernel's own limit on symlinks in one lookup. */
const MAX_LINKS = 40;

/** Open `dir` as described above; throws an Error whose message names the refused component. */
export function openDeployDirectory(dir: string, opts: OpenOptions): DirHandle {
  if (!isAbsolute(dir)) throw new Error(`${showValue(dir)} is not an absolute path`);
  let links = 0;
  for (let logical = resolve(dir); ; ) {
    const step = walk(logical, opts);
    if (typeof step !== 'string') return step;
    if (++links > MAX_LINKS) throw new Error(`${dir}: too many symbolic links (ELOOP)`);
    logical = step;
  }
}

/** Close a handle from openDeployDirectory. */
export function closeDirectory(handle: DirHandle): void {
  closeSync(handle.fd);
}

/** Walk `logical` from `/`: the final handle, or the path to walk instead when a trusted symlink was met. */
function walk(logical: string, opts: OpenOptions): DirHandle | string {
  const parts = logical.split('/').filter(Boolean);
  let fd = openSync('/', OPEN_DIR);
  let stat = fstatSync(fd);
  try {
    for (const [i, name] of parts.entries()) {
      const parentPath = `/${parts.slice(0, i).join('/')}`;
      const path = `/${parts.slice(0, i + 1).join('/')}`;
      const guard = parentGuard(parentPath, stat, name, opts.accounts);
      if (guard) throw new Error(guard);
      const entry = `/proc/self/fd/${fd}/${name}`;
      const next = withPath(entry, path, () => step(entry, path, opts));
      if (typeof next === 'string') {
        // a symlink, in a directory no one else can change: walk its target instead
        const target = withPath(entry, path, () => readlinkSync(entry));
        const sticky = stickyGuard(parentPath, stat, path, lstatSync(entry), opts.accounts);
        if (sticky) throw new Error(sticky);
        closeSync(fd);
        fd = -1;
        return resolve(parentPath, target, ...parts.slice(i + 1));
      }
      const sticky = stickyGuard(parentPath, stat, path, next.stat, opts.accounts);
      if (sticky) {
        closeSync(next.fd);
        throw new Error(sticky);
      }
      // A directory just created is made durable in its parent.
      if (next.made) syncQuietly(fd);
      closeSync(fd);
      fd = next.fd;
      stat = next.stat;
    }
    return { fd, at: `/proc/self/fd/${fd}`, stat };
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    throw err;
  }
}

/** Open one component (creating it when allowed); 'link' when it is a symlink. */
function step(entry: string, path: string, opts: OpenOptions): { fd: number; stat: Stats; made: boolean } | 'link' {
  let fd: number;
  let made = false;
  try {
    fd = openSync(entry, OPEN_DIR);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.createMode !== undefined) {
      ({ fd, made } = makeDirectory(entry, opts.createMode));
    } else if (code === 'ENOENT') {
      throw Object.assign(new Error(`${path} does not exist`), { code });
    } else if (code === 'ELOOP' || code === 'ENOTDIR') {
      if (lstatSync(entry).isSymbolicLink()) return 'link';
      throw new Error(`${path} exists and is not a directory`);
    } else throw err;
  }
  return { fd, stat: fstatSync(fd), made };
}

/** Run `fn`; a system error's message names `path` instead of the /proc `entry`. */
function withPath<T>(entry: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error) err.message = err.message.split(entry).join(path);
    throw err;
  }
}

/** Create one directory with exactly `mode` (mkdir is subject to the umask); a concurrent creator's is used as it is. */
function makeDirectory(entry: string, mode: number): { fd: number; made: boolean } {
  let made = true;
  try {
    mkdirSync(entry, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    made = false;
  }
  const fd = openSync(entry, OPEN_DIR);
  if (made) fchmodSync(fd, mode);
  return { fd, made };
}

/** The users whose directories may lead to a deploy directory: root and the one running cert-wrap. */
function trusted(uid: number): boolean {
  return uid === 0 || uid === (process.geteuid?.() ?? 0);
}

/** Why another user could replace `name` in the directory `parentPath` (null: no one can). */
function parentGuard(parentPath: string, st: Stats, name: string, accounts: AccountDb): string | null {
  const what = `another user could replace ${showValue(name)} there with a link to a directory of their choosing`;
  if (!trusted(st.uid)) return `${parentPath} is owned by ${userName(st.uid, accounts)}: ${what}`;
  const sticky = (st.mode & STICKY) !== 0;
  if ((st.mode & 0o002) !== 0 && !sticky) return `${parentPath} is writable by every user (mode ${octal(st.mode)}): ${what}`;
  if ((st.mode & 0o020) !== 0 && !sticky && st.gid !== 0) return `${parentPath} is writable by group ${groupName(st.gid, accounts)} (mode ${octal(st.mode)}): ${what}`;
  return null;
}

/** In a sticky directory others can write, an entry can be replaced by its own owner: that must be a trusted user. */
function stickyGuard(parentPath: string, parent: Stats, path: string, entry: Stats, accounts: AccountDb): string | null {
  if ((parent.mode & 0o022) === 0 || trusted(entry.uid)) return null;
  return `${path} is owned by ${userName(entry.uid, accounts)} in ${parentPath}, which others can write: that user could replace it with a link to a directory of their choosing`;
}

function userName(uid: number, accounts: AccountDb): string {
  let name: string | undefined;
  try {
    name = accounts.userById(uid)?.name;
  } catch {
    // the account database cannot be read: the uid alone
  }
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

function groupName(gid: number, accounts: AccountDb): string {
  let name: string | undefined;
  try {
    name = accounts.groupById(gid)?.name;
  } catch {
    // the group database cannot be read: the gid alone
  }
  return name ? `${name} (gid ${gid})` : `gid ${gid}`;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function syncQuietly(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    // some file systems do not allow fsync on a directory
  }
}
