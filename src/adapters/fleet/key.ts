/**
 * The fleet key: fleet.key-file holds 32 random bytes, base64 (openssl rand
 * -base64 32). Read with the project's safe reader (a regular file of bounded
 * size, never blocking); errors name the config path and the file, never the
 * content.
 */
import type { Fleet } from '../../model/types.js';
import { UsageError } from '../../lib/errors.js';
import { fsReason } from '../../lib/fs-reason.js';
import { NotRegularFileError, readRegularFile } from '../../lib/read-regular.js';
import { FLEET_KEY_BYTES } from '../../lib/seal.js';

export function readFleetKey(fleet: Fleet): Buffer {
  const where = `fleet.key-file: ${JSON.stringify(fleet.keyFile)}`;
  let bytes: Buffer;
  try {
    bytes = readRegularFile(fleet.keyFile, { maxBytes: 4096 });
  } catch (err) {
    throw new UsageError(`${where}: cannot read it: ${err instanceof NotRegularFileError ? err.reason : fsReason(err)}`);
  }
  return parseFleetKey(bytes.toString('latin1'), where);
}

export function parseFleetKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== FLEET_KEY_BYTES) {
    throw new UsageError(`${where}: does not hold ${FLEET_KEY_BYTES} bytes in base64 (content not shown); make one with: openssl rand -base64 32 > FILE && chmod 600 FILE`);
  }
  return key;
}
