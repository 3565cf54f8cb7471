/**
 * Write a file a user named on the command line (`gen-nginx -o`, `--metrics`):
 *
 * - a regular file, or nothing yet: replaced atomically (atomic-write.ts);
 * - this process's own stdout or stderr (`/dev/stdout`, `/dev/fd/2`, or the
 *   very file or pipe they are): written to that stream;
 * - a character device (`/dev/null`) or a FIFO with a reader: written straight
 *   into it, never replaced;
 * - a symbolic link, a directory, a socket, a block device: refused, nothing
 *   written. A link is not followed (another user may have planted it in a
 *   shared directory); the message says to name the file itself.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, type Stats, statSync, writeSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { OutputRefusedError, showValue } from './errors.js';
import { notRegularReason } from './read-regular.js';

export { OutputRefusedError };

export function writeOutputFile(file: string, content: string, mode = 0o644): void {
  const stream = standardStream(file);
  if (stream !== null) return writeAll(stream, Buffer.from(content));
  const st = lstatOrNull(file);
  if (st === null || st.isFile()) return writeFileAtomic(file, content, mode);
  const refused = refusal(file, st);
  if (refused) throw new OutputRefusedError(refused);
  writeIntoDevice(file, Buffer.from(content));
}

/** Why `file` would be refused as an output, or null: for a check before any work. */
export function outputRefusal(file: string): string | null {
  if (standardStream(file) !== null) return null;
  const st = lstatOrNull(file);
  return st === null ? null : refusal(file, st);
}

function refusal(file: string, st: Stats): string | null {
  if (st.isFile() || st.isCharacterDevice() || st.isFIFO()) return null;
  if (st.isSymbolicLink()) {
    return `it is a symbolic link (to ${showValue(readlinkOrEmpty(file))}); links are not followed: give the path of the file itself`;
  }
  return `${notRegularReason(st)}; only a regular file is replaced`;
}

/**
 * Whether two paths name the same file (device and inode: `C`, `./C` and a hard link
 * to C are one file). A missing path is no file.
 */
export function isSameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Why `output` cannot be written by a command that reads `input` (the config file), or null:
 * the input itself, or a target that is refused. Checked before any work (exit 2).
 */
export function outputProblem(output: string, input: string): string | null {
  if (isSameFile(output, input)) return `it is the config file ${input} itself; nothing written`;
  return outputRefusal(output);
}

/** 1 or 2 when `file` is the very file, pipe or terminal this process's stdout or stderr is. */
function standardStream(file: string): number | null {
  let target: Stats;
  try {
    target = statSync(file);
  } catch {
    return null;
  }
  for (const fd of [1, 2]) {
    try {
      const st = fstatSync(fd);
      if (st.dev === target.dev && st.ino === target.ino) return fd;
    } catch {
      // closed
    }
  }
  return null;
}

/** Open without following a link and without waiting for a FIFO's reader; check the handle; write. */
function writeIntoDevice(file: string, data: Buffer): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENXIO') throw new OutputRefusedError('it is a FIFO and no process is reading from it; nothing written');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice() && !st.isFIFO()) throw new OutputRefusedError(refusal(file, st) ?? 'it changed while being opened; nothing written');
    writeAll(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** Write every byte; a non-blocking pipe or terminal that is full is waited on, briefly, and written again. */
function writeAll(fd: number, data: Buffer): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

function lstatOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function readlinkOrEmpty(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '';
  }
}
