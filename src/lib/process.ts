/**
 * The one way cert-wrap starts a program: an argv array (no shell; a user's
 * hook is run as /bin/sh -c HOOK by its caller, on purpose), and one result
 * shape for every call site, built here alone: exit code, signal, not found,
 * output, duration. Nothing is thrown for a program that fails, is missing or
 * is stopped: callers read the result. execa is loaded only when a program
 * runs, so commands that run none start without it.
 */

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
  /** Largest captured output, in bytes (execa's default otherwise). */
  maxBuffer?: number;
}

/** Run `file` with `args` to its end; never rejects for the program's sake. */
export async function runProcess(file: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  const { execa } = await import('execa');
  const lines = opts.onLine !== undefined;
  const child = execa(file, args, {
    reject: false,
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: opts.stdin ?? 'ignore' }),
    stdout: opts.stdout === 'stderr' ? 2 : (opts.stdout ?? 'pipe'),
    stderr: opts.stderr ?? 'pipe',
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    ...(opts.signal !== undefined ? { cancelSignal: opts.signal } : {}),
    ...(opts.maxBuffer !== undefined ? { maxBuffer: opts.maxBuffer } : {}),
    ...(lines ? { all: true, buffer: { all: true, stdout: false, stderr: false } } : {}),
  });
  const seen: string[] = [];
  if (lines) {
    for await (const line of child.iterable({ from: 'all' })) {
      seen.push(String(line));
      opts.onLine!(String(line));
    }
  }
  const r = await child;
  const signal = (r.signal as NodeJS.Signals | undefined) ?? null;
  const neverRan = r.failed && r.exitCode === undefined && signal === null && !r.timedOut && !r.isCanceled;
  return {
    exitCode: r.exitCode ?? null,
    signal,
    notFound: neverRan && errnoOf(r.cause) === 'ENOENT',
    startError: neverRan ? (r.originalMessage || r.shortMessage || `cannot start ${file}`) : null,
    timedOut: r.timedOut,
    canceled: r.isCanceled,
    stdout: lines ? '' : text(r.stdout),
    stderr: lines ? '' : text(r.stderr),
    output: seen.join('\n'),
    durationMs: r.durationMs,
  };
}

/** The errno code ('ENOENT', 'EACCES') of the spawn's error, read without a cast. */
function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** In words, how a program that did not succeed ended: "exit code 3", "stopped by SIGTERM", "not found". */
export function howItEnded(r: ProcessResult): string {
  if (r.notFound) return 'not found';
  if (r.startError !== null) return `could not start: ${r.startError}`;
  if (r.signal !== null) return `stopped by ${r.signal}`;
  return `exit code ${r.exitCode ?? 'unknown'}`;
}
