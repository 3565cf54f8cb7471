// Long-running processes of the fleet rows (etcd, the agents): started with their output in a log file,
// killed with the benchmark (setpriv --pdeathsig), stopped with SIGTERM then SIGKILL.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTool } from './procs.mjs';

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === 'ESRCH') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function startLogged(binary, args, logFile, env = process.env) {
  const setpriv = findTool('setpriv');
  const file = setpriv ?? binary;
  const argv = setpriv ? ['--pdeathsig', 'KILL', '--', binary, ...args] : args;
  const fd = openSync(logFile, 'a');
  try {
    const proc = spawn(file, argv, { stdio: ['ignore', fd, fd], env });
    const exited = new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', () => resolve());
    });
    proc.unref();
    return { proc, pid: proc.pid, exited, name: path.basename(binary), logFile };
  } finally {
    closeSync(fd);
  }
}

export function hasExited(child) {
  return child.pid === undefined || child.proc.exitCode !== null || child.proc.signalCode !== null;
}

/** SIGTERM, wait up to 5 s, then SIGKILL. */
export async function stopChild(child) {
  if (hasExited(child)) return;
  child.proc.ref();
  child.proc.kill('SIGTERM');
  const ok = await Promise.race([child.exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!ok) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

export async function waitFor(check, timeoutMs, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
