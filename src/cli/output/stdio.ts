/**
 * Standard output and error without creating process.stdout or
 * process.stderr before they are needed: creating either loads Node's stream
 * modules (about 7 ms), which a run that prints a table to a file or a pipe,
 * or prints nothing (cron), does not need. On Linux, writes to files, pipes
 * and terminals through those streams are synchronous too, so the two ways
 * of writing keep their order.
 */
import { fstatSync, writeSync } from 'node:fs';

/** Linux's memory devices (/dev/null, /dev/zero, /dev/full): character devices that are no terminal. */
const MEMORY_DEVICES_MAJOR = 1;

/**
 * Whether fd 1 or 2 is a terminal. A file, a pipe or /dev/null never is, and
 * is recognised without creating the stream; another character device is
 * asked through it.
 */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice() || (st.rdev >> 8) === MEMORY_DEVICES_MAJOR) return false;
  } catch {
    return false;
  }
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

/**
 * Write all of `text` to standard output. A reader that went away
 * (`cert-wrap status | head -1`) ends the run quietly, as on process.stdout;
 * a non-blocking pipe that is full gets the rest through process.stdout.
 */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') readerGone();
    if (code !== 'EAGAIN') throw err;
    process.stdout.write(bytes.subarray(done));
  }
}

/** The reader of standard output went away (`gen-nginx x | head -1`): end quietly, with the exit code so far. */
export function readerGone(): never {
  process.exit(process.exitCode ?? 0);
}

/** process.stderr, created at its first write: what a progress display holds on to. */
export const lazyStderr = {
  write: (text: string): boolean => process.stderr.write(text),
  get columns(): number {
    return process.stderr.columns;
  },
};
