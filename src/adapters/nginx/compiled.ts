/**
 * nginx's compiled-in paths, from `nginx -V` ("configure arguments: ..."):
 * the prefix, the main config file and the pid file it uses when neither the
 * command line nor the configuration says otherwise.
 */
import { isAbsolute, join } from 'node:path';

export interface CompiledPaths {
  prefix: string;
  confPath: string;
  pidPath: string;
}

/** nginx's own defaults (auto/options) when configure was given no such option. */
const DEFAULT_PREFIX = '/usr/local/nginx';
const DEFAULT_CONF = 'conf/nginx.conf';
const DEFAULT_PID = 'logs/nginx.pid';

/** The paths from the text `nginx -V` prints (on stderr); relative ones are under the prefix, as nginx reads them. */
export function compiledPaths(versionText: string): CompiledPaths {
  const line = versionText.split('\n').find((l) => l.startsWith('configure arguments:')) ?? '';
  const option = (name: string): string | null => {
    // configure arguments are words; a quoted --with-cc-opt='...' may hold spaces, paths do not.
    const m = new RegExp(`(?:^|\\s)--${name}=(\\S+)`).exec(line);
    return m ? m[1]!.replace(/^'(.*)'$/, '$1') : null;
  };
  const prefix = withSlash(option('prefix') ?? DEFAULT_PREFIX);
  const under = (p: string) => (isAbsolute(p) ? p : join(prefix, p));
  return { prefix, confPath: under(option('conf-path') ?? DEFAULT_CONF), pidPath: under(option('pid-path') ?? DEFAULT_PID) };
}

export function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}
