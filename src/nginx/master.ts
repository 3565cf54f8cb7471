/**
 * Who the pid file names. A stale pid file must never lead to signalling an
 * unrelated process: the pid is used only when /proc says it is an nginx master.
 */
import { readFileSync } from 'node:fs';
import { NotRegularFileError, readRegularFile } from '../lib/read-regular.js';

/** A pid file holds a number and a newline; a larger one is not a pid file. */
const MAX_PID_FILE_BYTES = 4096;

export type MasterLookup =
  | { ok: true; pid: number; args: MasterArgs }
  | { ok: false; reason: 'pid-file-missing' | 'pid-file-unreadable' | 'pid-file-empty' | 'pid-not-a-number' | 'not-running' | 'not-nginx' | 'not-master'; message: string };

/** The -c/-p/-e/-g the master was started with, as far as its process title tells. */
export interface MasterArgs {
  confFile: string | null;
  prefix: string | null;
  errorLog: string | null;
  globals: string | null;
}

export function findMaster(pidFile: string, procRoot = '/proc'): MasterLookup {
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
  if (trimmed === '') return { ok: false, reason: 'pid-file-empty', message: `pid file ${pidFile} is empty` };
  if (!/^[0-9]{1,10}$/.test(trimmed) || Number(trimmed) < 2) {
    return { ok: false, reason: 'pid-not-a-number', message: `pid file ${pidFile} does not hold a process id: ${JSON.stringify(trimmed.slice(0, 40))}` };
  }
  const pid = Number(trimmed);
  let comm: string;
  let cmdline: string;
  try {
    comm = readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim();
    cmdline = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
    const state = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    if (state.slice(state.lastIndexOf(')') + 2).startsWith('Z')) throw new Error('zombie');
  } catch {
    return { ok: false, reason: 'not-running', message: `pid file ${pidFile} names process ${pid}, which is not running (a stale pid file): nothing to reload` };
  }
  const title = cmdline.replace(/\0+$/, '').split('\0').join(' ');
  if (comm !== 'nginx' || !title.startsWith('nginx: ')) {
    return { ok: false, reason: 'not-nginx', message: `pid file ${pidFile} names process ${pid} (${JSON.stringify(comm)}), which is not nginx: refusing to signal it` };
  }
  if (!title.startsWith('nginx: master process')) {
    return { ok: false, reason: 'not-master', message: `pid file ${pidFile} names process ${pid}, which is an nginx ${title.slice(7).split(' ')[0]} process, not the master: refusing to signal it` };
  }
  return { ok: true, pid, args: parseMasterTitle(title) };
}

/** "nginx: master process /usr/sbin/nginx -c /etc/nginx/nginx.conf -p /x/" -> its flags. */
export function parseMasterTitle(title: string): MasterArgs {
  const words = title.replace(/^nginx: master process\s*/, '').split(' ').slice(1);
  const args: MasterArgs = { confFile: null, prefix: null, errorLog: null, globals: null };
  const keys: Record<string, keyof MasterArgs> = { '-c': 'confFile', '-p': 'prefix', '-e': 'errorLog', '-g': 'globals' };
  for (let i = 0; i < words.length; i++) {
    const key = keys[words[i]!];
    if (!key) continue;
    if (key === 'globals') {
      // -g takes the rest up to the next flag (its directives contain spaces).
      const rest: string[] = [];
      while (i + 1 < words.length && !/^-[cpegq]$/.test(words[i + 1]!)) rest.push(words[++i]!);
      args.globals = rest.join(' ');
    } else if (i + 1 < words.length) {
      args[key] = words[++i]!;
    }
  }
  return args;
}
