/**
 * A SIGHUP is asynchronous: the master reads its configuration, starts new
 * workers and asks the old ones to finish. Whoever reloads and then relies on
 * the new servers (a preflight, a person running curl) waits until the new
 * workers accept and the old ones have stopped accepting, as /proc shows it
 * (an old worker's title becomes "worker process is shutting down").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface Child {
  pid: number;
  title: string;
}

function childrenOf(master: number, procRoot: string): Child[] {
  const out: Child[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`${procRoot}/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== master || fields[0] === 'Z') continue;
      const title = readFileSync(`${procRoot}/${entry}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
      out.push({ pid: Number(entry), title });
    } catch {
      // gone while looking
    }
  }
  return out;
}

/** The master's accepting workers now. */
export function acceptingWorkers(master: number, procRoot = '/proc'): number[] {
  return childrenOf(master, procRoot)
    .filter((c) => c.title === 'nginx: worker process')
    .map((c) => c.pid);
}

/** Wait (up to timeoutMs) until every accepting worker is one started after `before` was taken. */
export async function waitForNewWorkers(master: number, before: number[], timeoutMs = 5_000, procRoot = '/proc'): Promise<boolean> {
  const old = new Set(before);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = acceptingWorkers(master, procRoot);
    if (now.length > 0 && now.every((pid) => !old.has(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}
