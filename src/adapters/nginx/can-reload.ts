/**
 * Before ordering anything, `obtain` and `renew` make sure that nginx can be
 * reloaded at the end: the pid file names a running nginx master and
 * `nginx -t` of its configuration passes. Otherwise certificates would be
 * issued that nginx never serves (exit 2, nothing ordered).
 */
import { CannotReloadError } from '../../lib/errors.js';
import type { Config } from '../../model/types.js';
import { checkReloadable, type ReloadDeps } from './reload.js';

export { CannotReloadError };

const ADVICE: Record<string, string> = {
  'pid-file-missing': 'start nginx, or set nginx.pid-file to the file its "pid" directive names',
  'pid-file-unreadable': 'run cert-wrap as root, or set nginx.pid-file to the file its "pid" directive names',
  'pid-file-empty': 'start nginx, or set nginx.pid-file to the file its "pid" directive names',
  'pid-not-a-number': 'set nginx.pid-file to the file its "pid" directive names',
  'not-running': 'start nginx, or set nginx.pid-file to the file its "pid" directive names',
  'not-nginx': 'set nginx.pid-file to the pid file of the nginx master (or nginx.binary to the nginx it runs)',
  'not-master': 'set nginx.pid-file to the pid file of the nginx master',
  'foreign-owner': "set nginx.pid-file to the pid file of root's nginx master",
  'needs-root': 'run cert-wrap as root',
  'config-invalid': "fix nginx's configuration until nginx -t passes",
  'args-unreadable': 'set nginx.conf-file (and nginx.prefix)',
};

export async function checkCanReload(config: Config, deps?: ReloadDeps): Promise<void> {
  const checked = await checkReloadable(config, deps);
  if (checked.ok || onlyStablePathsMissing(config, checked)) return;
  const advice = ADVICE[checked.reason];
  throw new CannotReloadError(
    [
      'cannot start: nginx could not be reloaded after issuing, so nothing was ordered:',
      `  - ${checked.message.split('\n').join('\n    ')}`,
      `  ${advice ? `${advice}; ` : ''}or pass --no-reload if something else reloads nginx`,
    ].join('\n'),
  );
}

/**
 * nginx -t fails only because certificate files at cert-wrap's own stable
 * paths are missing: bootstrap makes them before anything is ordered, and the
 * deploy hook points them at the new lineage, so nginx will load them.
 */
function onlyStablePathsMissing(config: Config, checked: { reason: string; message: string }): boolean {
  if (checked.reason !== 'config-invalid') return false;
  const emerg = checked.message.split('\n').filter((l) => l.includes('[emerg]'));
  const prefix = `${config.certsDir.replace(/\/$/, '')}/`;
  return emerg.length > 0 && emerg.every((l) => {
    const m = /cannot load certificate(?: key)? "([^"]+)": BIO_new_file\(\) failed.*No such file or directory/.exec(l);
    return m !== null && m[1]!.startsWith(prefix) && config.certificates.some((c) => m[1]!.startsWith(`${prefix}${c.name}/`));
  });
}
