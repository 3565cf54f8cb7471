/**
 * Run one certbot command (argv array, no shell), streaming its output line by
 * line, and read the tail of its log when it fails.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Config } from '../../model/types.js';
import { logFile } from '../../leaves/certbot-layout.js';

export interface CertbotResult {
  exitCode: number;
  output: string;
  seconds: number;
  /** certbot could not be started at all (ENOENT, EACCES). */
  spawnError: string | null;
  /** certbot was stopped by this signal (the run was interrupted). */
  killedBy: string | null;
}

export async function runCertbot(
  binary: string,
  args: string[],
  opts: { env?: Record<string, string>; onLine?: (line: string) => void; signal?: AbortSignal },
): Promise<CertbotResult> {
  const { execa } = await import('execa');
  const started = performance.now();
  const child = execa(binary, args, {
    all: true,
    reject: false,
    stdin: 'ignore',
    env: opts.env,
    buffer: { all: true, stdout: false, stderr: false },
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const lines: string[] = [];
  for await (const line of child.iterable({ from: 'all' })) {
    lines.push(String(line));
    opts.onLine?.(String(line));
  }
  const result = await child;
  const seconds = (performance.now() - started) / 1000;
  const killedBy = result.signal ?? (result.isCanceled ? 'SIGTERM' : null);
  const failedToStart = result.failed && result.exitCode === undefined && killedBy === null;
  return {
    exitCode: result.exitCode ?? 1,
    output: lines.join('\n'),
    seconds,
    spawnError: failedToStart ? (result.originalMessage ?? result.shortMessage ?? 'cannot start certbot') : null,
    killedBy,
  };
}

/** The last bytes of certbot's log, where it records the errors it masks on stderr. */
export function readLogTail(config: Config, bytes = 64 * 1024): string {
  const file = logFile(config.logsDir);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
