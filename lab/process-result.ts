import type { ProcessResult } from '../src/lib/process.js';

/** The result of a program that ran to its end with `exitCode` and printed `output` (for fakes of certbot). */
export function processResult(exitCode: number, output: string): ProcessResult {
  return { exitCode, signal: null, notFound: false, startError: null, timedOut: false, canceled: false, stdout: '', stderr: '', output, durationMs: 1000 };
}
