/**
 * The directories the scheduled renewal writes, for the service's
 * ReadWritePaths=: certbot's three directories, cert-wrap's certs-dir and
 * cache, the webroot (challenge and probe files), every deploy copy's
 * directory and the directory of nginx's pid file. Pure: the config in, a
 * sorted list without duplicates or paths already under another one out.
 */
import { dirname } from 'node:path';
import type { Config } from '../../model/types.js';

/** certbot's own defaults, used when the config does not set the directories. */

export function writablePaths(config: Config, cacheDir: string, pidFile: string | null): string[] {
  const paths = [
    config.configDir,
    config.workDir,
    config.logsDir,
    config.certsDir,
    cacheDir,
    ...(config.certificates.some((c) => c.challenge === null) ? [config.webroot] : []),
    ...config.certificates.flatMap((c) => c.deploy.map((d) => d.directory)),
    ...(pidFile !== null ? [dirname(pidFile)] : []),
  ];
  const unique = [...new Set(paths)].sort();
  // A path inside another listed one is already writable.
  return unique.filter((p) => !unique.some((q) => q !== p && (q === '/' || p.startsWith(`${q}/`))));
}
