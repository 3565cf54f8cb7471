/**
 * The `deploy` copies of a certificate: fullchain.pem and privkey.pem, copied
 * from certbot's lineage into each configured directory with an exact owner,
 * group and mode. Run from the deploy hook after each issuance.
 *
 * Each file is installed atomically: a reader sees the complete old file or the
 * complete new one, with its final owner and mode. The new content goes to a
 * temporary file with an unpredictable name, created with O_EXCL|O_NOFOLLOW and
 * mode 0600 (so only the writing user can open it while it is filled in); it is
 * then fchown'ed and fchmod'ed (fchmod ignores the umask, so the final mode is
 * exactly the configured one), fsync'ed, and renamed over the target. rename
 * replaces whatever entry is at the target path, a symlink included, so a link
 * planted there never redirects the write. A file whose content, owner, group
 * and mode already match is left alone (same inode, same mtime).
 */
import { removeStaleTemporaries } from '../../lib/atomic-write.js';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { nodeCrypto } from '../../leaves/node-crypto.js';
import type { Certificate, DeployCopy } from '../../model/types.js';
import { ConfigError, formatPath, type PathPart } from '../../lib/errors.js';
import { AccountDb, type AccountFiles, type Ids, resolveIds } from './accounts.js';
import { closeDirectory, type DirHandle, openDeployDirectory } from './safe-dir.js';

/** The files copied from the lineage, in the order they are installed. */
export const DEPLOY_FILES = ['fullchain.pem', 'privkey.pem'] as const;
export type DeployFile = (typeof DEPLOY_FILES)[number];

/**
 * Mode of directories this code creates (only missing ones; an existing
 * directory's owner and mode are never changed). Always 0755, owned by the
 * user running the hook: the file modes alone decide who can read the key
 * (the file names are fixed, so hiding them gains nothing), while a 0750
 * directory would lock out a configured owner that is not in the directory's
 * group, and handing the directory to that owner would let it swap the files.
 * Whoever wants a closed directory creates it beforehand.
 */
export const CREATED_DIR_MODE = 0o755;

export interface DeployOptions extends AccountFiles {
  /** Accounts to resolve owner/group with (default: read from passwdFile/groupFile). */
  accounts?: AccountDb;
}

/** What happened to one `deploy` entry. */
export interface CopyResult {
  /** The entry's directory, as configured. */
  directory: string;
  files: readonly DeployFile[];
  /**
   * true: at least one file was (re)installed. false: both were already
   * identical (content, owner, group, mode), or nothing was touched before an error.
   */
  changed: boolean;
  /** null on success; otherwise one line, starting with the entry's config path. */
  error: string | null;
}

/**
 * Install the certificate's `deploy` copies from `lineageDir` (certbot's
 * live/NAME directory, RENEWED_LINEAGE in a deploy hook; its symlinks into
 * archive/ are followed). One result per entry, in config order; a failing
 * entry does not stop the others, and nothing here throws for a single entry.
 * With no entries, the lineage is not read at all.
 */
export function deployCopies(cert: Certificate, lineageDir: string, opts: DeployOptions = {}): CopyResult[] {
  if (cert.deploy.length === 0) return [];
  const accounts = opts.accounts ?? new AccountDb(opts);
  let sources: Map<DeployFile, Buffer> | Error;
  try {
    sources = readSources(lineageDir);
  } catch (err) {
    sources = err as Error;
  }

  return cert.deploy.map((copy, j) => {
    const at: PathPart[] = ['certificates', cert.index, 'deploy', j];
    const state = { changed: false };
    try {
      if (sources instanceof Error) throw sources;
      const ids = resolveIds(copy, at, accounts);
      installCopy(copy, ids, sources, lineageDir, accounts, state);
      return { directory: copy.directory, files: DEPLOY_FILES, changed: state.changed, error: null };
    } catch (err) {
      // A ConfigError (from resolveIds) names the offending key's path itself.
      const line = err instanceof ConfigError ? err.message : `${formatPath(at)}: ${(err as Error).message}`;
      return { directory: copy.directory, files: DEPLOY_FILES, changed: state.changed, error: line };
    }
  });
}

/** One line per result, for the deploy hook's output. */
export function describeCopy(result: CopyResult): string {
  if (result.error !== null) return `deploy copy to ${result.directory} failed: ${result.error}`;
  return result.changed ? `deployed ${result.files.join(' and ')} to ${result.directory}` : `${result.directory}: unchanged`;
}

function readSources(lineageDir: string): Map<DeployFile, Buffer> {
  const sources = new Map<DeployFile, Buffer>();
  for (const file of DEPLOY_FILES) {
    const path = join(lineageDir, file);
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read ${path} from the lineage: ${(err as Error).message}`);
    }
    // Never replace a working copy with an empty or truncated source.
    if (!content.includes('-----BEGIN ')) throw new Error(`${path} is not a PEM file; nothing copied`);
    sources.set(file, content);
  }
  return sources;
}

function installCopy(copy: DeployCopy, ids: Ids, sources: Map<DeployFile, Buffer>, lineageDir: string, accounts: AccountDb, state: { changed: boolean }): void {
  const handle = openDeployDirectory(copy.directory, { createMode: CREATED_DIR_MODE, accounts });
  try {
    installInto(handle, copy, ids, sources, lineageDir, state);
  } catch (err) {
    // Messages name the configured directory, not the handle's /proc path.
    throw new Error((err as Error).message.split(handle.at).join(copy.directory));
  } finally {
    closeDirectory(handle);
  }
}

/** Install the files relative to the opened directory (handle.at), never through the configured path. */
function installInto(handle: DirHandle, copy: DeployCopy, ids: Ids, sources: Map<DeployFile, Buffer>, lineageDir: string, state: { changed: boolean }): void {
  const dir = handle.at;
  const mode = copy.mode & 0o7777;
  if (isLineage(handle, lineageDir)) throw new Error(`${copy.directory} is the lineage directory itself; copying there would replace certbot's own links`);

  // A copy killed mid-write leaves a temporary file (perhaps an old key): clean those first.
  for (const file of DEPLOY_FILES) removeStaleTemporaries(dir, `.${file}.`);
  const todo = DEPLOY_FILES.filter((file) => needsInstall(join(dir, file), sources.get(file)!, ids, mode));
  if (todo.length === 0) return;

  // Stage every file before renaming any, so a failure while writing leaves all targets as they were.
  const staged: { tmp: string; target: string }[] = [];
  try {
    for (const file of todo) staged.push({ tmp: stageFile(dir, file, sources.get(file)!, ids, mode), target: join(dir, file) });
  } catch (err) {
    for (const s of staged) removeQuietly(s.tmp);
    throw err;
  }

  let i = 0;
  try {
    for (; i < staged.length; i++) {
      renameSync(staged[i]!.tmp, staged[i]!.target);
      state.changed = true;
    }
  } catch (err) {
    for (const s of staged.slice(i)) removeQuietly(s.tmp);
    const done = staged.slice(0, i).map((s) => basename(s.target));
    const note = done.length > 0 ? ` (${done.join(', ')} already replaced)` : '';
    throw new Error(`${(err as Error).message}${note}`);
  } finally {
    if (state.changed) syncDir(handle.fd);
  }
}

function isLineage(handle: DirHandle, lineageDir: string): boolean {
  try {
    const st = statSync(lineageDir);
    return st.dev === handle.stat.dev && st.ino === handle.stat.ino;
  } catch {
    return false;
  }
}

/**
 * Whether `target` must be (re)written: anything but a regular, singly linked
 * file (not a symlink) with exactly this content, owner, group and mode.
 * A directory in the way is an error, found before anything is written.
 */
function needsInstall(target: string, content: Buffer, ids: Ids, mode: number): boolean {
  let st: Stats;
  try {
    st = lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  if (st.isDirectory()) throw new Error(`${target} is a directory; remove it to let the copy be installed`);
  // A symlink, FIFO, device or socket is never opened, only replaced by the rename.
  if (!st.isFile() || st.nlink !== 1 || st.uid !== ids.uid || st.gid !== ids.gid || (st.mode & 0o7777) !== mode) return true;
  if (st.size !== content.length) return true;
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return true; // replaced meanwhile: install ours
  }
  try {
    // Still the file that was checked above?
    if (fstatSync(fd).ino !== st.ino) return true;
    return !readFileSync(fd).equals(content);
  } finally {
    closeSync(fd);
  }
}

/** Write a complete, fsync'ed temporary file with its final owner and mode; returns its path. */
function stageFile(dir: string, file: DeployFile, content: Buffer, ids: Ids, mode: number): string {
  // 128 random bits: the name cannot be guessed in advance to plant something there. The pid lets a
  // later run tell a dead writer's leftover from a live one's file.
  const tmp = join(dir, `.${file}.${process.pid}.${nodeCrypto().randomBytes(16).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    try {
      for (let off = 0; off < content.length; ) off += writeSync(fd, content, off, content.length - off);
      // Owner first, then mode: until the fchmod the file stays 0600 (or less, by the umask).
      fchownSync(fd, ids.uid, ids.gid);
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  return tmp;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function syncDir(fd: number): void {
  try {
    fsyncSync(fd);
  } catch {
    // some file systems do not allow fsync on a directory; the rename is still atomic
  }
}
