/**
 * Where the nginx binary is: the configured command on PATH, and, when PATH
 * lacks it (cron's PATH is /usr/bin:/bin), the directories nginx is installed
 * in by distributions and by nginx's own `make install`.
 */
import { which } from '../lib/which.js';

export const NGINX_SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'] as const;

export type BinaryLookup = { ok: true; path: string } | { ok: false; message: string };

/** `command` as nginx.binary gives it: a path is taken as it is, a name is searched for. */
export function findNginxBinary(command: string, path = process.env.PATH ?? ''): BinaryLookup {
  if (command.includes('/')) {
    const found = which(command);
    return found ? { ok: true, path: found } : { ok: false, message: `nginx.binary ${JSON.stringify(command)} is not an executable file` };
  }
  const onPath = which(command, path);
  if (onPath) return { ok: true, path: onPath };
  const fallback = which(command, NGINX_SBIN_DIRS.join(':'));
  if (fallback) return { ok: true, path: fallback };
  const looked = [path === '' ? '(PATH is empty)' : `PATH (${path})`, ...NGINX_SBIN_DIRS].join(', ');
  return { ok: false, message: `cannot find "${command}" in ${looked}: install nginx, or set nginx.binary to its path` };
}
