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
