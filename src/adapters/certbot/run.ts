/**
 * Run one certbot command (argv array, no shell), streaming its output line by
 * line, and read the tail of its log when it fails.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Config } from '../../model/types.js';
import { logFile } from '../../leaves/certbot-layout.js';
import { type ProcessResult, runProcess } from '../../lib/process.js';

/** A certbot run's result: the one shape of every subprocess (lib/process.ts); its lines are in `output`. */
export type CertbotResult = ProcessResult;

export async function runCertbot(
  binary: string,
  args: string[],
  opts: { env?: Record<string, string>; onLine?: (line: string) => void; signal?: AbortSignal },
): Promise<CertbotResult> {
  return runProcess(binary, args, {
    stdin: 'ignore',
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    onLine: opts.onLine ?? (() => {}),
  });
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
