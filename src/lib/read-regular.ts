/**
 * Read a file only when it is a regular file of a bounded size. A FIFO would
 * block the read (and with it every signal handler) until a writer appears; a
 * device such as /dev/zero never ends. The file is opened without blocking
 * (O_NONBLOCK), the open handle is checked (fstat), and anything but a regular
 * file is refused with a NotRegularFileError, which says what the path is.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

import { NotRegularFileError } from './errors.js';

export { NotRegularFileError };

export interface ReadOptions {
  /** Refuse a file larger than this many bytes. */
  maxBytes: number;
  /** Refuse a symbolic link at the last component (ELOOP) instead of reading its target: for cert-wrap's own files. */
  noFollow?: boolean;
}

/** What `st` is, in words, for a message; null for a regular file. */
export function notRegularReason(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'it is a directory';
  if (st.isFIFO()) return 'it is a FIFO (named pipe), not a regular file';
  if (st.isCharacterDevice()) return 'it is a character device, not a regular file';
  if (st.isBlockDevice()) return 'it is a block device, not a regular file';
  if (st.isSocket()) return 'it is a socket, not a regular file';
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  return 'it is not a regular file';
}

/** The file's bytes; throws the open's error (ENOENT, EACCES, ELOOP, ...) or a NotRegularFileError. */
export function readRegularFile(path: string, opts: ReadOptions): Buffer {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0);
  const fd = openSync(path, flags);
  try {
    const st = fstatSync(fd);
    const reason = notRegularReason(st);
    if (reason) throw new NotRegularFileError(path, reason);
    if (st.size > opts.maxBytes) throw tooLarge(path, opts.maxBytes);
    return readBounded(fd, path, opts.maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** Read to the end, but never more than `max` bytes (the file may grow while it is read). */
function readBounded(fd: number, path: string, max: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > max) throw tooLarge(path, max);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(path: string, max: number): NotRegularFileError {
  return new NotRegularFileError(path, `it is larger than ${formatBytes(max)}`);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} bytes`;
}
