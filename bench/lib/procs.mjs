// Long-running helper processes (pebble, challtestsrv, nginx) and the
// loopback ports they need. Every process started here is recorded and
// stopped by its own pid; nothing is ever stopped by name.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Absolute path of an executable on PATH, /usr/sbin or /sbin; null when absent. */
export function findTool(name) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
    const file = path.join(dir, name);
    try {
      if (statSync(file).isFile()) {
        accessSync(file, constants.X_OK);
        return file;
      }
    } catch {
      // not here
    }
  }
  return null;
}

/** stdout and stderr of a short command ('' when it cannot run): `nginx -v` answers on stderr. */
export function capture(cmd, args) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return `${res.stdout ?? ''}${res.stderr ?? ''}`.trim();
}

/** True while pid is a live process (a zombie counts as gone). */
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

/** Pids whose parent is ppid (from /proc). */
export function childPids(ppid) {
  const out = [];
  for (const e of readdirSafe('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === ppid) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Start a long-running process with stdout and stderr appended to logFile.
 * Where setpriv exists, the process gets PDEATHSIG=KILL (setpriv execs the
 * command in place, so the pid is the command's), so it cannot outlive the
 * benchmark even if the benchmark is killed.
 */
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

/** Resolves true when host:port can be bound right now (TCP, and UDP too when udp is set). */
export async function portFree(port, { host = '127.0.0.1', udp = false } = {}) {
  const tcp = await new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
  if (!tcp || !udp) return tcp;
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.unref();
    sock.once('error', () => resolve(false));
    sock.bind({ address: host, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/**
 * Poll until every port is free, up to timeoutMs. Returns the ports still
 * busy at the end ([] when all are free).
 * @param {{ port: number, udp?: boolean }[]} ports
 */
export async function waitForPorts(ports, timeoutMs, log) {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const busy = [];
    for (const p of ports) if (!(await portFree(p.port, { udp: p.udp }))) busy.push(p.port);
    if (busy.length === 0) return [];
    if (Date.now() >= deadline) return busy;
    if (!said) {
      const which = busy.length === 1 ? `port ${busy[0]} on 127.0.0.1 is` : `ports ${busy.join(', ')} on 127.0.0.1 are`;
      log(`${which} in use (another e2e run?): waiting up to ${Math.round((deadline - Date.now()) / 1000)} s for it to end`);
      said = true;
    }
    await sleep(2_000);
  }
}

/** Poll until check() is true or timeoutMs passes. */
export async function waitFor(check, timeoutMs, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
