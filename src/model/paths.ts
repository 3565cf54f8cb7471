/**
 * The stable certificate paths nginx is pointed at, whatever state the
 * certificate is in:
 *
 *   CERTS-DIR/NAME/fullchain.pem -> current/fullchain.pem
 *   CERTS-DIR/NAME/privkey.pem   -> current/privkey.pem
 *   CERTS-DIR/NAME/current       -> self-signed/            before the first issuance
 *                                -> CONFIG-DIR/live/NAME/   after it
 *
 * Only `current` ever changes, by one atomic rename, so nginx never sees a
 * certificate from one state and a key from the other.
 */
import { join } from 'node:path';

/**
 * cert-wrap's own files directly in CERTS-DIR, beside the certificates'
 * directories: no certificate may be named like one (config rule
 * checkOwnFileName). Temporary files there start with "." (no name does).
 */
export const STATE_FILE = 'state.json';
export const RELOAD_PENDING_FILE = 'reload-pending';
export const OWN_CERTS_DIR_FILES: readonly string[] = [STATE_FILE, RELOAD_PENDING_FILE];
/** Far above what 100,000 certificates write into either file. */
export const MAX_OWN_FILE_BYTES = 64 * 1024 * 1024;

export interface StablePaths {
  dir: string;
  fullchain: string;
  privkey: string;
  current: string;
  selfSigned: string;
}

export function stablePaths(certsDir: string, name: string): StablePaths {
  const dir = join(certsDir, name);
  return {
    dir,
    fullchain: join(dir, 'fullchain.pem'),
    privkey: join(dir, 'privkey.pem'),
    current: join(dir, 'current'),
    selfSigned: join(dir, 'self-signed'),
  };
}
