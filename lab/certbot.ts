import path from 'node:path';
import type { RunningPebble } from './pebble.js';

export interface CertbotDirs {
  configDir: string;
  workDir: string;
  logsDir: string;
}

/** Environment for certbot against pebble: process.env plus REQUESTS_CA_BUNDLE=the throwaway CA. */
export function certbotEnv(pebble: Pick<RunningPebble, 'caBundle'>): NodeJS.ProcessEnv {
  return { ...process.env, REQUESTS_CA_BUNDLE: pebble.caBundle };
}

/**
 * certbot's config/work/logs dirs under dir/le/. Use a fresh dir per pebble
 * instance: a restarted pebble forgets accounts stored in an old config dir.
 * certbot's real error is usually in logsDir/letsencrypt.log, not on stderr.
 */
export function certbotDirs(dir: string): CertbotDirs {
  const le = path.join(path.resolve(dir), 'le');
  return { configDir: path.join(le, 'config'), workDir: path.join(le, 'work'), logsDir: path.join(le, 'logs') };
}

/** `--config-dir X --work-dir Y --logs-dir Z` for an argv array. */
export function certbotDirArgs(dirs: CertbotDirs): string[] {
  return ['--config-dir', dirs.configDir, '--work-dir', dirs.workDir, '--logs-dir', dirs.logsDir];
}
