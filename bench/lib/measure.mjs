// Run one command and measure it: wall time and peak RSS.
//
// A small python3 runner (python3 is always present where certbot is) starts
// the command with posix_spawn, waits for it with wait4(2) and reports
//   - the wall time from just before the spawn to the return of wait4, so
//     neither the runner's own start-up nor this process's event loop is
//     counted;
//   - ru_maxrss from wait4: the peak resident set size of the command, or of
//     the largest single process among it and the children it waited for
//     (the same figure as GNU time's %M). Memory of a process tree is not
//     summed: for `cert-wrap obtain` it is max(node, certbot, deploy hook).
// SIGTERM or SIGINT to the runner is passed on to the command, so stopping
// the runner never leaves the command behind.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RUNNER = `
import os, signal, sys, time
out, argv = sys.argv[1], sys.argv[2:]
child = None
def forward(signum, frame):
    if child is not None:
        os.kill(child, signum)
signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
t0 = time.perf_counter_ns()
try:
    child = os.posix_spawnp(argv[0], argv, os.environ)
except OSError as e:
    sys.stderr.write("cannot run %s: %s\\n" % (argv[0], e))
    with open(out, "w") as f:
        f.write("0 0 127\\n")
    sys.exit(0)
_, status, ru = os.wait4(child, 0)
t1 = time.perf_counter_ns()
with open(out, "w") as f:
    f.write("%d %d %d\\n" % (t1 - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status)))
`;

export const MEMORY_METHOD = 'ru_maxrss from wait4(2), the figure GNU time reports as %M';

export class Stopped extends Error {}

export class Runner {
  /**
   * @param {string} dir a scratch directory for the runner's files
   * @param {(line: string) => void} [trace] called with every run's figures (--verbose)
   */
  constructor(dir, trace) {
    this.dir = dir;
    this.trace = trace;
    this.script = join(dir, 'runner.py');
    this.resultFile = join(dir, 'runner.out');
    this.stderrFile = join(dir, 'runner.stderr');
    this.current = null;
    this.stopped = false;
    writeFileSync(this.script, RUNNER);
  }

  /**
   * Run `cmd args` once (one at a time). Throws when it exits non-zero
   * (unless okCodes allows it), with the tail of its stderr: a failing
   * command is not a measurement.
   * @param {string} cmd
   * @param {string[]} args
   * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, stdoutFile?: string, timeoutMs?: number, okCodes?: number[], label?: string }} [opts]
   * @returns {Promise<{ ms: number, rssKB: number, code: number, stdout: string | null }>}
   */
  async run(cmd, args, opts = {}) {
    if (this.stopped) throw new Stopped('stopped');
    const label = opts.label ?? [cmd, ...args].join(' ');
    const out = openSync(opts.stdoutFile ?? '/dev/null', 'w');
    const err = openSync(this.stderrFile, 'w');
    let child;
    try {
      child = spawn('python3', [this.script, this.resultFile, cmd, ...args], { stdio: ['ignore', out, err], env: opts.env ?? process.env, cwd: opts.cwd });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    this.current = child;
    const timeoutMs = opts.timeoutMs ?? 600_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    const [status, signal, spawnError] = await new Promise((resolve) => {
      child.once('error', (e) => resolve([null, null, e]));
      child.once('close', (code, sig) => resolve([code, sig, null]));
    });
    clearTimeout(timer);
    this.current = null;
    if (this.stopped) throw new Stopped('stopped');
    if (spawnError) throw new Error(`${label}: ${spawnError.message}`);
    if (timedOut) throw new Error(`${label}: timed out after ${timeoutMs / 1000} s\n${this.stderrTail()}`);
    if (status !== 0) throw new Error(`${label}: the measuring runner failed (${status ?? signal})\n${this.stderrTail()}`);
    const [ns, rss, code] = readFileSync(this.resultFile, 'utf8').trim().split(' ').map(Number);
    if (!(opts.okCodes ?? [0]).includes(code)) {
      throw new Error(`${label}: exit code ${code}\n${this.stderrTail()}`);
    }
    this.trace?.(`${(ns / 1e6).toFixed(1).padStart(9)} ms ${String(Math.round(rss / 1024)).padStart(5)} MB  ${label.slice(0, 160)}`);
    return { ms: ns / 1e6, rssKB: rss, code, stdout: opts.stdoutFile ? readFileSync(opts.stdoutFile, 'utf8') : null };
  }

  /** Stop the command running now (SIGTERM, passed on by the runner) and refuse further runs. */
  async stop() {
    this.stopped = true;
    const child = this.current;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await closed;
    clearTimeout(timer);
  }

  stderrTail(lines = 25) {
    return this.lastStderr().trimEnd().split('\n').slice(-lines).join('\n');
  }

  lastStderr() {
    try {
      return readFileSync(this.stderrFile, 'utf8');
    } catch {
      return '';
    }
  }
}

/** @param {number[]} xs */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Interleaved rounds: each round runs every task once, in the given order
 * (A B C, A B C, ...), so that noise on the machine hits all of them alike.
 * One unmeasured warm-up round first (file cache, first-run work) unless
 * warmup is 0. A task resolves to { ms, rssKB }.
 * Each result: the samples, their count, the median wall time and the median
 * of the per-run peak RSS.
 * @param {number} rounds
 * @param {Record<string, (round: number) => Promise<{ ms: number, rssKB: number }>>} tasks
 * @param {{ warmup?: number }} [opts]
 * @returns {Promise<Record<string, { ms: number[], rssKB: number[], n: number, median: number, rssMedianKB: number }>>}
 */
export async function interleave(rounds, tasks, opts = {}) {
  const names = Object.keys(tasks);
  for (let w = 0; w < (opts.warmup ?? 1); w++) for (const name of names) await tasks[name](-1 - w);
  const got = Object.fromEntries(names.map((n) => [n, { ms: [], rssKB: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const m = await tasks[name](r);
      got[name].ms.push(m.ms);
      got[name].rssKB.push(m.rssKB);
    }
  }
  return Object.fromEntries(
    names.map((n) => [n, { ...got[n], n: rounds, median: median(got[n].ms), rssMedianKB: median(got[n].rssKB) }]),
  );
}
