/**
 * The one way cert-wrap starts a program: an argv array (no shell; a user's
 * hook is run as /bin/sh -c HOOK by its caller, on purpose), and one result
 * shape for every call site, built here alone: exit code, signal, not found,
 * output, duration. Nothing is thrown for a program that fails, is missing or
 * is stopped: callers read the result. Built on node:child_process alone
 * (loaded when a program runs, so commands that run none start without it):
 * a wrapper library cost every run that started a program some 25 ms to load.
 * A stopped program (timeout, abort) gets SIGTERM, and SIGKILL 5 s later; a
 * program still running when cert-wrap exits gets SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

export interface ProcessResult {
  /** The exit code; null when the program was stopped by a signal or never started. */
  exitCode: number | null;
  /** The signal that stopped it, or null. */
  signal: NodeJS.Signals | null;
  /** The program does not exist (ENOENT): it never started. */
  notFound: boolean;
  /** Why the program never started, or its output could not be read (ENOENT, EACCES, ...); null when it ran. */
  startError: string | null;
  /** Stopped after `timeoutMs`. */
  timedOut: boolean;
  /** Stopped through `signal` (the caller's AbortSignal). */
  canceled: boolean;
  /** Captured output ('' when not captured). */
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, line by line, when `onLine` was given; else ''. */
  output: string;
  durationMs: number;
}

export interface ProcessOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Written to the program's stdin (else stdin is `stdin`). */
  input?: string;
  stdin?: 'ignore' | 'inherit';
  /** 'stderr': the program's stdout goes to this process's stderr. */
  stdout?: 'pipe' | 'inherit' | 'stderr';
  stderr?: 'pipe' | 'inherit';
  /** Each line of stdout and stderr as it comes (both are then captured in `output`). */
  onLine?: (line: string) => void;
  timeoutMs?: number;
  /** Abort: the program is sent SIGTERM. */
  signal?: AbortSignal;
  /** Largest captured output of each stream, in characters (100 MiB otherwise); beyond it the program is stopped. */
  maxBuffer?: number;
}

/** A program asked to stop (timeout, abort) that is still running this much later is killed. */
const FORCE_KILL_MS = 5_000;
/** Largest captured output of one stream when the caller gives none. */
const DEFAULT_MAX_BUFFER = 100 * 1024 * 1024;

/** Programs still running: stopped if this process exits first (an error, a signal), never left behind. */
const running = new Set<ChildProcess>();
let stopOnExit = false;

/** Run `file` with `args` to its end; never rejects for the program's sake. */
export function runProcess(file: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  const started = performance.now();
  const lines = opts.onLine !== undefined;
  const maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
  // Loaded at the first program: commands that run none start without it.
  const { spawn } = createRequire('/')('node:child_process') as typeof import('node:child_process');
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      env: { ...process.env, ...opts.env },
      stdio: [opts.input !== undefined ? 'pipe' : (opts.stdin ?? 'ignore'), opts.stdout === 'stderr' ? 2 : (opts.stdout ?? 'pipe'), lines ? 'pipe' : (opts.stderr ?? 'pipe')],
    });
  } catch (err) {
    return Promise.resolve(result(file, started, { startError: err }));
  }
  if (!stopOnExit) {
    stopOnExit = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGTERM');
    });
  }
  running.add(child);

  let timedOut = false;
  let canceled = false;
  let forceKill: NodeJS.Timeout | null = null;
  const stop = () => {
    child.kill('SIGTERM');
    forceKill ??= setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_MS);
  };
  const timer = opts.timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), stop()), opts.timeoutMs) : null;
  const onAbort = () => ((canceled = true), stop());
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  // Captured output, each stream up to maxBuffer (then the program is stopped, as with a timeout).
  const captured = { stdout: '', stderr: '' };
  const seen: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const take = (name: 'stdout' | 'stderr', chunk: string) => {
    if (lines) {
      const parts = (partial[name] + chunk).split('\n');
      partial[name] = parts.pop()!;
      for (const line of parts) emit(line);
      return;
    }
    if (captured[name].length + chunk.length > maxBuffer) {
      captured[name] += chunk.slice(0, Math.max(0, maxBuffer - captured[name].length));
      stop();
      return;
    }
    captured[name] += chunk;
  };
  const emit = (line: string) => {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    seen.push(l);
    opts.onLine!(l);
  };
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name];
    if (stream === null) continue;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => take(name, chunk));
  }
  if (opts.input !== undefined && child.stdin) {
    // A program that exits without reading its input is not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
  }

  return new Promise((resolve) => {
    let spawnError: unknown = null;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      running.delete(child);
      if (timer) clearTimeout(timer);
      if (forceKill) clearTimeout(forceKill);
      opts.signal?.removeEventListener('abort', onAbort);
      if (lines) for (const name of ['stdout', 'stderr'] as const) if (partial[name] !== '') emit(partial[name]);
      resolve(
        result(file, started, {
          startError: spawnError,
          exitCode: code,
          signal,
          timedOut,
          canceled,
          stdout: lines ? '' : stripFinalNewline(captured.stdout),
          stderr: lines ? '' : stripFinalNewline(captured.stderr),
          output: seen.join('\n'),
        }),
      );
    };
    child.on('error', (err) => {
      // The program never started (ENOENT, EACCES): no 'close' may follow.
      if (child.pid === undefined) {
        spawnError = err;
        finish(null, null);
      }
    });
    child.on('close', (code, signal) => {
      if (spawnError === null) finish(code, signal);
    });
  });
}

function result(
  file: string,
  started: number,
  r: { startError: unknown; exitCode?: number | null; signal?: NodeJS.Signals | null; timedOut?: boolean; canceled?: boolean; stdout?: string; stderr?: string; output?: string },
): ProcessResult {
  const neverRan = r.startError !== null;
  return {
    exitCode: neverRan ? null : (r.exitCode ?? null),
    signal: neverRan ? null : (r.signal ?? null),
    notFound: neverRan && errnoOf(r.startError) === 'ENOENT',
    startError: neverRan ? (r.startError instanceof Error ? r.startError.message : '') || `cannot start ${file}` : null,
    timedOut: r.timedOut ?? false,
    canceled: r.canceled ?? false,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    output: r.output ?? '',
    durationMs: performance.now() - started,
  };
}

/** The output without its last line feed, as programs' output is read (`$(...)` in a shell). */
function stripFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** The errno code ('ENOENT', 'EACCES') of the spawn's error, read without a cast. */
function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** In words, how a program that did not succeed ended: "exit code 3", "stopped by SIGTERM", "not found". */
export function howItEnded(r: ProcessResult): string {
  if (r.notFound) return 'not found';
  if (r.startError !== null) return `could not start: ${r.startError}`;
  if (r.signal !== null) return `stopped by ${r.signal}`;
  return `exit code ${r.exitCode ?? 'unknown'}`;
}
