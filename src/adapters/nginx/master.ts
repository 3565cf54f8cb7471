/**
 * Who the pid file names. A stale or planted pid file must never lead to
 * signalling another process: the pid is used only when /proc shows the nginx
 * binary itself (/proc/PID/exe is the same file as the nginx cert-wrap runs),
 * owned by root (or by this user, when cert-wrap does not run as root), whose
 * title says master, and whose command line can be read as nginx reads it.
 * The title alone proves nothing: any process can set it.
 */
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { NotRegularFileError, readRegularFile } from '../../lib/read-regular.js';
import { MASTER_TITLE, type MasterArgs, parseMasterTitle } from '../../leaves/nginx-options.js';

export type { MasterArgs } from '../../leaves/nginx-options.js';

export type MasterReason =
  | 'pid-file-missing'
  | 'pid-file-unreadable'
  | 'pid-file-empty'
  | 'pid-not-a-number'
  | 'not-running'
  | 'needs-root'
  | 'not-nginx'
  | 'not-master'
  | 'foreign-owner';

/** A pid file holds a number and a newline; a larger one is not a pid file. */
const MAX_PID_FILE_BYTES = 4096;

export type MasterLookup =
  | {
      ok: true;
      pid: number;
      /** null when its command line cannot be read as nginx reads it: `unreadable` says why. */
      args: MasterArgs | null;
      unreadable: string | null;
      uid: number;
      cwd: string | null;
    }
  | { ok: false; reason: MasterReason; message: string };

export interface MasterCheck {
  /** The nginx binary cert-wrap runs (absolute). */
  binary: string;
  /** Who cert-wrap runs as (process.geteuid()). */
  euid: number;
  procRoot?: string;
}

export function findMaster(pidFile: string, check: MasterCheck): MasterLookup {
  const pid = readPid(pidFile);
  if (!pid.ok) return pid;
  return inspectProcess(pidFile, pid.pid, check);
}

function readPid(pidFile: string): { ok: true; pid: number } | { ok: false; reason: MasterReason; message: string } {
  let text: string;
  try {
    text = readRegularFile(pidFile, { maxBytes: MAX_PID_FILE_BYTES }).toString('utf8');
  } catch (err) {
    if (err instanceof NotRegularFileError) return { ok: false, reason: 'pid-file-unreadable', message: `cannot read pid file ${pidFile}: ${err.reason}` };
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { ok: false, reason: 'pid-file-missing', message: `pid file ${pidFile} does not exist: is nginx running, and is nginx.pid-file the path of its "pid" directive?` };
    }
    return { ok: false, reason: 'pid-file-unreadable', message: `cannot read pid file ${pidFile}: ${code ?? String(err)}` };
  }
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'pid-file-empty', message: `pid file ${pidFile} is empty: is nginx running? (nginx -t leaves an empty pid file behind when it is not)` };
  if (!/^[0-9]{1,10}$/.test(trimmed) || Number(trimmed) < 2) {
    return { ok: false, reason: 'pid-not-a-number', message: `pid file ${pidFile} does not hold a process id: ${JSON.stringify(trimmed.slice(0, 40))}` };
  }
  return { ok: true, pid: Number(trimmed) };
}

function inspectProcess(pidFile: string, pid: number, check: MasterCheck): MasterLookup {
  const proc = `${check.procRoot ?? '/proc'}/${pid}`;
  const names = `pid file ${pidFile} names process ${pid}`;
  let comm: string;
  let title: string;
  let uid: number;
  try {
    comm = readFileSync(`${proc}/comm`, 'utf8').trim();
    title = readFileSync(`${proc}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    uid = ownerOf(readFileSync(`${proc}/status`, 'utf8'));
    const state = readFileSync(`${proc}/stat`, 'utf8');
    if (state.slice(state.lastIndexOf(')') + 2).startsWith('Z')) throw new Error('zombie');
  } catch {
    return { ok: false, reason: 'not-running', message: `${names}, which is not running (a stale pid file): nothing to reload` };
  }
  const exe = sameFile(`${proc}/exe`, check.binary);
  if (exe === 'denied' || (check.euid !== 0 && uid !== check.euid)) {
    return {
      ok: false,
      reason: 'needs-root',
      message: `${names}, which belongs to uid ${uid}: cert-wrap runs as uid ${check.euid} and may not inspect or signal it; run it as root (or as the user nginx's master runs as)`,
    };
  }
  if (exe !== 'same') {
    return { ok: false, reason: 'not-nginx', message: `${names} (${JSON.stringify(comm)}), which is not nginx: refusing to signal it (it runs ${exe}, not ${check.binary})` };
  }
  if (!title.startsWith(MASTER_TITLE)) {
    const role = title.startsWith('nginx: ') ? `an nginx ${title.slice(7).split(' ')[0]} process` : 'not titled as one';
    return { ok: false, reason: 'not-master', message: `${names}, which is ${role}, not the master: refusing to signal it` };
  }
  if (uid !== 0 && uid !== check.euid) {
    return { ok: false, reason: 'foreign-owner', message: `${names}, an nginx master owned by uid ${uid}, not by root: refusing to signal another user's nginx` };
  }
  const parsed = parseMasterTitle(title);
  const unreadable = parsed.ok ? null : `${parsed.reason}: ${JSON.stringify(title)}`;
  return { ok: true, pid, args: parsed.ok ? parsed.args : null, unreadable, uid, cwd: cwdOf(proc) };
}

/** The uid from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs"); -1 when real and effective differ. */
function ownerOf(status: string): number {
  const line = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  if (!line) throw new Error('no Uid line');
  return line[1] === line[2] ? Number(line[1]) : -1;
}

/** 'same' when the process runs `binary` (same device and inode), 'denied', or what it runs. */
function sameFile(exeLink: string, binary: string): 'same' | 'denied' | string {
  try {
    const running = statSync(exeLink);
    const wanted = statSync(binary);
    if (running.dev === wanted.dev && running.ino === wanted.ino) return 'same';
    return readlinkSync(exeLink);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'denied';
    try {
      return readlinkSync(exeLink);
    } catch {
      return 'an unknown program';
    }
  }
}

function cwdOf(proc: string): string | null {
  try {
    return readlinkSync(`${proc}/cwd`);
  } catch {
    return null;
  }
}
