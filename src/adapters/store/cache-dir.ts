/**
 * cert-wrap's one cache directory, for the config cache and the certificate-dates
 * cache alike; both open it through PrivateDir (lib/private-dir.ts), the one
 * trust check: the user's own, private, not a link, read through one handle.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache of a run as root, such as the scheduled one. */
export const ROOT_CACHE_DIR = '/var/cache/cert-wrap';

/**
 * The cache directory. root always uses /var/cache/cert-wrap, never a
 * user's XDG_CACHE_HOME or HOME inherited through `sudo -E` or `su`.
 * CERT_WRAP_CACHE_DIR is honoured for everyone: a directory that is not the
 * user's own and private (or is a symlink) is then simply not used.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.()): string {
  if (env.CERT_WRAP_CACHE_DIR) return env.CERT_WRAP_CACHE_DIR;
  if (uid === 0) return ROOT_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'cert-wrap');
  return join(homedir(), '.cache', 'cert-wrap');
}
