/**
 * The EAB secrets reach certbot through a config file, never its argv: every
 * local user can read a process's argv (`ps`), and certbot writes its argv
 * into letsencrypt.log on every run. certbot reads `--config=FILE`, an ini
 * file of `long-option = value` lines; cert-wrap writes one, mode 0600, in a
 * private directory made for the run, and removes it when certbot has exited,
 * also after a failure or an interrupt (a run killed outright leaves it for
 * the next run to remove; under /run, memory only, for root).
 */
import { closeSync, constants, fchmodSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../model/types.js';
import { RuntimeError } from '../../lib/errors.js';
import { fsReason } from '../../lib/fs-reason.js';
import { makePrivateTempDir, removeStalePrivateDirs } from '../../lib/private-dir.js';

const DIR_PREFIX = 'cert-wrap-certbot.';

/**
 * How `--print` shows the argument: a shell variable, so the printed command
 * runs as shown once EAB_INI names a file with the two lines.
 */
export const PRINTED_CONFIG_ARG = '--config="$EAB_INI"';

/**
 * The ini text certbot reads, or null when no secret is configured. Values
 * are double-quoted (certbot's parser strips one pair of matching quotes);
 * the config rules refuse whitespace and control characters in them.
 */
export function secretsIni(config: Config): string | null {
  if (config.eab === null) return null;
  return [`eab-kid = "${config.eab.kid}"`, `eab-hmac-key = "${config.eab.hmacKey}"`, ''].join('\n');
}

/** Run `work` with the extra certbot arguments that hand it `ini` (none when null); the file is gone when this returns. */
export async function withSecretsFile<T>(ini: string | null, work: (extraArgs: string[]) => Promise<T>): Promise<T> {
  if (ini === null) return work([]);
  removeStalePrivateDirs(DIR_PREFIX);
  let dir: string;
  try {
    dir = makePrivateTempDir(DIR_PREFIX);
  } catch (err) {
    throw new RuntimeError(`cannot hand the EAB secrets to certbot: ${err instanceof Error && !('code' in err) ? err.message : fsReason(err)}`);
  }
  try {
    const file = join(dir, 'certbot.ini');
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeSync(fd, ini);
    } finally {
      closeSync(fd);
    }
    return await work([`--config=${file}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
