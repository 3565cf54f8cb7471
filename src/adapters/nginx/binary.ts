/**
 * Where the nginx binary is: the configured command on PATH, and, when PATH
 * lacks it (cron's PATH is /usr/bin:/bin), the directories nginx is installed
 * in by distributions and by nginx's own `make install`.
 */
import { existsSync } from 'node:fs';
import { which } from '../../lib/which.js';

export const NGINX_SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'] as const;

export type BinaryLookup = { ok: true; path: string } | { ok: false; message: string };

/** `command` as nginx.binary gives it: a path is taken as it is, a name is searched for. */
export function findNginxBinary(command: string, path = process.env.PATH ?? ''): BinaryLookup {
  if (command.includes('/')) {
    const found = which(command);
    if (found) return { ok: true, path: found };
    const what = existsSync(command) ? 'is not an executable file' : 'was not found';
    return { ok: false, message: `${JSON.stringify(command)} ${what} (install nginx, or set nginx.binary in the config)` };
  }
  const onPath = which(command, path);
  if (onPath) return { ok: true, path: onPath };
  const fallback = which(command, NGINX_SBIN_DIRS.join(':'));
  if (fallback) return { ok: true, path: fallback };
  const looked = [path === '' ? '(PATH is empty)' : `PATH (${path})`, ...NGINX_SBIN_DIRS].join(', ');
  return { ok: false, message: `cannot find "${command}" in ${looked}: install nginx, or set nginx.binary to its path` };
}
