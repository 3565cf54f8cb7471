/**
 * Debian's certbot package schedules `certbot renew` itself: certbot.timer
 * (enabled at install) and /etc/cron.d/certbot. Next to a cert-wrap schedule,
 * either one renews a second time, outside cert-wrap. This finds them and says
 * what to do. The paths are parameters so a test can point them at a temp dir.
 */
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';

export interface ConflictPaths {
  /** Where the package installs certbot.timer (both spellings of /usr/lib). */
  timerUnits: string[];
  /** The link `systemctl enable certbot.timer` creates. */
  timerWants: string;
  /** A link to /dev/null here means the timer is masked. */
  timerMask: string;
  cronFile: string;
  /** Exists only while systemd is PID 1: what systemd itself and the cron file's guard test. */
  systemdRunDir: string;
}

export const DEBIAN_PATHS: ConflictPaths = {
  timerUnits: ['/lib/systemd/system/certbot.timer', '/usr/lib/systemd/system/certbot.timer'],
  timerWants: '/etc/systemd/system/timers.target.wants/certbot.timer',
  timerMask: '/etc/systemd/system/certbot.timer',
  cronFile: '/etc/cron.d/certbot',
  systemdRunDir: '/run/systemd/system',
};

export interface Conflict {
  kind: 'systemd-timer' | 'cron';
  /** The file found. */
  file: string;
  /** Whether it renews on this host as the host runs now. */
  runs: boolean;
  /** warning: it renews now or will once the host boots with systemd; note: it is installed but stays idle. */
  severity: 'warning' | 'note';
  message: string;
  /** What to do: a command when there is one. */
  fix: string;
}

export function findConflicts(paths: ConflictPaths = DEBIAN_PATHS): Conflict[] {
  const systemdRuns = existsSync(paths.systemdRunDir);
  return [timerConflict(paths, systemdRuns), cronConflict(paths, systemdRuns)].filter((c): c is Conflict => c !== null);
}

function timerConflict(paths: ConflictPaths, systemdRuns: boolean): Conflict | null {
  if (linkTarget(paths.timerMask) === '/dev/null') return null;
  // Enabled: the wants link exists (existsSync follows it: a link to a removed unit does nothing).
  if (!existsSync(paths.timerWants)) return null;
  const unit = paths.timerUnits.find((f) => existsSync(f)) ?? linkTarget(paths.timerWants) ?? paths.timerWants;
  const where = `${unit}, enabled by ${paths.timerWants}`;
  if (systemdRuns) {
    return {
      kind: 'systemd-timer',
      file: paths.timerWants,
      runs: true,
      severity: 'warning',
      message: `Debian's certbot.timer (${where}) runs "certbot renew" twice a day, a second renewal outside cert-wrap`,
      fix: 'systemctl disable --now certbot.timer',
    };
  }
  return {
    kind: 'systemd-timer',
    file: paths.timerWants,
    runs: false,
    severity: 'warning',
    message: `Debian's certbot.timer (${where}) is idle only because systemd is not running here (no ${paths.systemdRunDir}); once the host boots with systemd it runs "certbot renew" twice a day, outside cert-wrap`,
    // Without a running systemd, `disable --now` removes the link but then fails (exit 1) trying to stop the timer.
    fix: 'systemctl disable certbot.timer',
  };
}

function cronConflict(paths: ConflictPaths, systemdRuns: boolean): Conflict | null {
  let text: string;
  try {
    text = readFileSync(paths.cronFile, 'utf8');
  } catch {
    return null;
  }
  const jobs = cronJobs(text).filter((line) => /\bcertbot\b/.test(line));
  if (jobs.length === 0) return null;
  const file = paths.cronFile;
  const remove = `rm ${file} (dpkg leaves a deleted conffile deleted on upgrades), or put a # before its line; chmod -x does not stop it: cron reads /etc/cron.d files whatever their mode`;
  // Debian 12's line: `test -x /usr/bin/certbot -a \! -d /run/systemd/system && ... certbot -q renew`.
  const guarded = jobs.every(guardsAgainstSystemd);
  if (guarded && systemdRuns) {
    return {
      kind: 'cron',
      file,
      runs: false,
      severity: 'note',
      message: `${file} stays idle: its line runs "certbot renew" only when /run/systemd/system is missing, and systemd runs here`,
      fix: `nothing needed while systemd is the init system; to be sure: ${remove}`,
    };
  }
  return {
    kind: 'cron',
    file,
    runs: true,
    severity: 'warning',
    message: guarded
      ? `${file} would run "certbot renew" twice a day, outside cert-wrap, whenever a cron daemon runs: its line runs only when /run/systemd/system is missing, and systemd is not running here`
      : `${file} runs "certbot renew" twice a day, outside cert-wrap, whenever a cron daemon runs`,
    fix: remove,
  };
}

/** The job lines of a crontab file: not blank, not comments, not VAR=value settings. */
export function cronJobs(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(l));
}

/** The line tests `! -d /run/systemd/system` (the `!` possibly escaped), as in `test -x ... -a \! -d /run/systemd/system`. */
function guardsAgainstSystemd(line: string): boolean {
  return /\\?!\s+-d\s+\/run\/systemd\/system(?![\w/.-])/.test(line);
}

function linkTarget(path: string): string | null {
  try {
    if (!lstatSync(path).isSymbolicLink()) return null;
    return readlinkSync(path);
  } catch {
    return null;
  }
}
