/**
 * The config file's text: a regular file of at most MAX_CONFIG_BYTES, read
 * without ever blocking (a FIFO or a device named as the config is refused,
 * not waited on or read without end). Errors name the file and say why.
 */
import { resolve } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { NotRegularFileError, readRegularFile } from '../lib/read-regular.js';

/** Far above any real config (100,000 certificates of three names each are about 10 MB of YAML). */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

export function readConfigBytes(file: string): Buffer {
  try {
    return readRegularFile(resolve(file), { maxBytes: MAX_CONFIG_BYTES });
  } catch (err) {
    throw new UsageError(`cannot read config file ${file}: ${whyUnreadable(err)}`);
  }
}

function whyUnreadable(err: unknown): string {
  if (err instanceof NotRegularFileError) return err.reason;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  return String(code ?? err);
}
