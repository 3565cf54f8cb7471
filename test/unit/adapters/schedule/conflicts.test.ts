import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cronJobs, findConflicts, type ConflictPaths } from '../../../../src/adapters/schedule/conflicts.js';

/** /etc/cron.d/certbot as Debian 12's certbot 2.1.0-4 installs it. */
const DEBIAN_CRON = `# /etc/cron.d/certbot: crontab entries for the certbot package
#
# Upstream recommends attempting renewal twice a day
#
# Important Note!  This cronjob will NOT be executed if you are
# running systemd as your init system.
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

0 */12 * * * root test -x /usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep int(rand(43200))' && certbot -q renew --no-random-sleep-on-renew
`;
const DEBIAN_TIMER = '[Unit]\nDescription=Run certbot twice daily\n\n[Timer]\nOnCalendar=*-*-* 00,12:00:00\nRandomizedDelaySec=43200\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n';

/** A fake root in a temp dir, with the same layout as Debian's. */
function fakeRoot() {
  const root = mkdtempSync(join(tmpdir(), 'cert-wrap-conflicts-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const paths: ConflictPaths = {
    timerUnits: [join(root, 'lib/systemd/system/certbot.timer'), join(root, 'usr/lib/systemd/system/certbot.timer')],
    timerWants: join(root, 'etc/systemd/system/timers.target.wants/certbot.timer'),
    timerMask: join(root, 'etc/systemd/system/certbot.timer'),
    cronFile: join(root, 'etc/cron.d/certbot'),
    systemdRunDir: join(root, 'run/systemd/system'),
  };
  const write = (file: string, text: string) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  const link = (target: string, file: string) => {
    mkdirSync(dirname(file), { recursive: true });
    symlinkSync(target, file);
  };
  return {
    paths,
    installTimer: () => write(paths.timerUnits[0]!, DEBIAN_TIMER),
    enableTimer: () => link(paths.timerUnits[0]!, paths.timerWants),
    maskTimer: () => link('/dev/null', paths.timerMask),
    cron: (text = DEBIAN_CRON) => write(paths.cronFile, text),
    bootWithSystemd: () => mkdirSync(paths.systemdRunDir, { recursive: true }),
  };
}

describe('findConflicts (paths in a temp dir)', () => {
  it('nothing installed: no conflicts', () => {
    expect(findConflicts(fakeRoot().paths)).toEqual([]);
  });

  it('Debian as installed, booted with systemd: the timer renews (disable --now), the cron file stays idle', () => {
    const r = fakeRoot();
    r.installTimer();
    r.enableTimer();
    r.cron();
    r.bootWithSystemd();
    const [timer, cron, ...rest] = findConflicts(r.paths);
    expect(rest).toEqual([]);
    expect(timer).toMatchObject({ kind: 'systemd-timer', file: r.paths.timerWants, runs: true, severity: 'warning', fix: 'systemctl disable --now certbot.timer' });
    expect(timer!.message).toContain('certbot.timer');
    expect(timer!.message).toContain(r.paths.timerUnits[0]);
    expect(cron).toMatchObject({ kind: 'cron', file: r.paths.cronFile, runs: false, severity: 'note' });
    expect(cron!.message).toContain('stays idle');
  });

  it('Debian as installed, systemd not running (a container): the cron file would run, the timer waits for a systemd boot', () => {
    const r = fakeRoot();
    r.installTimer();
    r.enableTimer();
    r.cron();
    const [timer, cron] = findConflicts(r.paths);
    // `systemctl disable --now` fails (exit 1) without a running systemd, after removing the link.
    expect(timer).toMatchObject({ kind: 'systemd-timer', runs: false, severity: 'warning', fix: 'systemctl disable certbot.timer' });
    expect(timer!.message).toContain('once the host boots with systemd');
    expect(cron).toMatchObject({ kind: 'cron', file: r.paths.cronFile, runs: true, severity: 'warning' });
    expect(cron!.fix).toContain(`rm ${r.paths.cronFile}`);
    expect(cron!.fix).toContain('chmod -x does not stop it');
  });

  it('a timer that is installed but disabled, or masked, is no conflict', () => {
    const disabled = fakeRoot();
    disabled.installTimer();
    disabled.bootWithSystemd();
    expect(findConflicts(disabled.paths)).toEqual([]);
    const masked = fakeRoot();
    masked.installTimer();
    masked.enableTimer();
    masked.maskTimer();
    masked.bootWithSystemd();
    expect(findConflicts(masked.paths)).toEqual([]);
  });

  it('an enabled link to a unit that is gone does nothing', () => {
    const r = fakeRoot();
    r.enableTimer();
    r.bootWithSystemd();
    expect(findConflicts(r.paths)).toEqual([]);
  });

  it('a cron file whose line is commented out is no conflict; one without the systemd guard always runs', () => {
    const commented = fakeRoot();
    commented.cron(DEBIAN_CRON.replace('\n0 */12', '\n#0 */12'));
    commented.bootWithSystemd();
    expect(findConflicts(commented.paths)).toEqual([]);
    const unguarded = fakeRoot();
    unguarded.cron('0 */12 * * * root certbot -q renew\n');
    unguarded.bootWithSystemd();
    expect(findConflicts(unguarded.paths)).toMatchObject([{ kind: 'cron', runs: true, severity: 'warning' }]);
  });
});

describe('cronJobs', () => {
  it('keeps job lines, drops comments, blank lines and VAR=value settings', () => {
    expect(cronJobs(DEBIAN_CRON)).toEqual([expect.stringMatching(/^0 \*\/12 \* \* \* root test -x/)]);
  });
});
