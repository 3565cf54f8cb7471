import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PATHS, findConflicts } from '../../src/adapters/schedule/conflicts.js';
import { cronText, systemdUnits } from '../../src/adapters/schedule/render.js';
import { hostSeed } from '../../src/adapters/schedule/seed.js';
import { slotFromSeed } from '../../src/adapters/schedule/slot.js';
import { bins, runBin, writeConfig } from '../../lab/cli.js';

const CONFIG = 'certificates:\n  - domains: [example.org]\n';
/** What the built cert-wrap puts in the schedule: this node, the launcher's real path, renew -c CONFIG. */
const commandFor = (file: string) => [process.execPath, realpathSync(bins.certWrap), 'renew', '-c', file, '--quiet'];
const schedule = (args: string[]) => runBin(bins.certWrap, ['schedule', ...args]);

describe('cert-wrap schedule', () => {
  it('--cron prints the crontab paste for this cert-wrap and config, exit 0', async () => {
    const file = writeConfig(CONFIG);
    const r = await schedule(['-c', file, '--cron', '--seed', 'test']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(cronText(slotFromSeed('test'), commandFor(file)));
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^45 9,21 \* \* \* PATH=\S+ /);
    expect(last.endsWith(` ${realpathSync(bins.certWrap)} renew -c ${file} --quiet`)).toBe(true);
  });

  it('--systemd prints the service, then the timer, each after a line naming its file; the next step goes to stderr', async () => {
    const file = writeConfig(CONFIG);
    const r = await schedule(['-c', file, '--systemd', '--seed', 'test']);
    expect(r.exitCode, r.stderr).toBe(0);
    const { service, timer } = JSON.parse((await schedule(['-c', file, '--systemd', '--seed', 'test', '--json'])).stdout) as { service: string; timer: string };
    expect(r.stdout).toBe(`# ==> /etc/systemd/system/cert-wrap-renew.service <==\n${service}\n# ==> /etc/systemd/system/cert-wrap-renew.timer <==\n${timer}`);
    expect(service).toContain(`\nExecStart=${process.execPath} ${realpathSync(bins.certWrap)} renew -c ${file} --quiet\n`);
    // Each unit is exactly what belongs in its file: no instructions inside the timer.
    expect(timer).not.toContain('systemctl');
    expect(timer.startsWith('[Unit]\n')).toBe(true);
    expect(r.stderr).toContain('then: systemctl daemon-reload && systemctl enable --now cert-wrap-renew.timer');
  });

  it('--systemd --write DIR writes the two units there, prints nothing on stdout; a missing DIR or --cron is exit 2', async () => {
    const file = writeConfig(CONFIG);
    const dir = join(dirname(file), 'units');
    mkdirSync(dir);
    const r = await schedule(['-c', file, '--systemd', '--seed', 'test', '--write', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['cert-wrap-renew.service', 'cert-wrap-renew.timer']);
    const printed = JSON.parse((await schedule(['-c', file, '--systemd', '--seed', 'test', '--json'])).stdout) as { service: string; timer: string };
    expect(readFileSync(join(dir, 'cert-wrap-renew.service'), 'utf8')).toBe(printed.service);
    expect(readFileSync(join(dir, 'cert-wrap-renew.timer'), 'utf8')).toBe(printed.timer);
    expect(statSync(join(dir, 'cert-wrap-renew.timer')).mode & 0o777).toBe(0o644);
    expect(r.stderr).toContain(`wrote ${join(dir, 'cert-wrap-renew.service')} and ${join(dir, 'cert-wrap-renew.timer')}`);
    for (const args of [['--systemd', '--write', join(dir, 'nope')], ['--systemd', '--write', file], ['--cron', '--write', dir]]) {
      const bad = await schedule(['-c', file, '--seed', 'test', ...args]);
      expect(bad.exitCode, args.join(' ')).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(/--write/);
    }
    expect(readdirSync(dir).sort()).toEqual(['cert-wrap-renew.service', 'cert-wrap-renew.timer']);
  });

  it('the service is bounded and sandboxed, with every directory the renewal writes listed', async () => {
    const file = writeConfig(`webroot: /srv/www\nconfig-dir: /srv/le/config\nwork-dir: /srv/le/work\nlogs-dir: /srv/le/logs\ncerts-dir: /srv/certs\nnginx:\n  pid-file: /srv/nginx run/nginx.pid\ncertificates:\n  - domains: [example.org]\n    deploy:\n      - directory: /etc/postfix/tls\n      - directory: /srv/certs/copies\n`);
    const { service } = JSON.parse((await schedule(['-c', file, '--systemd', '--seed', 'test', '--json'])).stdout) as { service: string };
    const lines = service.split('\n');
    expect(lines).toContain('TimeoutStartSec=1h');
    expect(lines).toContain('PrivateTmp=true');
    expect(lines).toContain('ProtectSystem=full');
    expect(lines).toContain('NoNewPrivileges=true');
    expect(lines.filter((l) => l.startsWith('ReadWritePaths='))).toEqual([
      'ReadWritePaths=-/etc/postfix/tls',
      'ReadWritePaths=-/srv/certs',
      'ReadWritePaths=-/srv/le/config',
      'ReadWritePaths=-/srv/le/logs',
      'ReadWritePaths=-/srv/le/work',
      'ReadWritePaths="-/srv/nginx run"',
      'ReadWritePaths=-/srv/www',
      'ReadWritePaths=-/var/cache/cert-wrap',
    ]);
  });

  it('--cron says when no crontab command is installed, and what to install', async () => {
    const file = writeConfig(CONFIG);
    const bin = join(dirname(file), 'bin');
    mkdirSync(bin);
    const without = await runBin(bins.certWrap, ['schedule', '-c', file, '--cron', '--seed', 'test'], { env: { PATH: bin } });
    expect(without.exitCode, without.stderr).toBe(0);
    expect(without.stderr).toContain('no crontab command is installed here');
    expect(without.stderr).toContain('apt-get install cron');
    expect(without.stdout).toBe(cronText(slotFromSeed('test'), commandFor(file)));
    writeFileSync(join(bin, 'crontab'), '#!/bin/sh\n', { mode: 0o755 });
    const withIt = await runBin(bins.certWrap, ['schedule', '-c', file, '--cron', '--seed', 'test'], { env: { PATH: bin } });
    expect(withIt.stderr).not.toContain('crontab');
    const systemd = await runBin(bins.certWrap, ['schedule', '-c', file, '--systemd', '--seed', 'test'], { env: { PATH: join(dirname(file), 'empty') } });
    expect(systemd.stderr).not.toContain('crontab');
  });

  it('both flags, or neither, is a usage error (exit 2) and prints nothing on stdout', async () => {
    const file = writeConfig(CONFIG);
    for (const flags of [['--cron', '--systemd'], []]) {
      const r = await schedule(['-c', file, ...flags]);
      expect(r.exitCode, flags.join(' ')).toBe(2);
      expect(r.stderr).toContain('give exactly one of --cron or --systemd');
      expect(r.stdout).toBe('');
    }
  });

  it('an invalid config is exit 2', async () => {
    const r = await schedule(['-c', writeConfig('certificates: []\n'), '--cron']);
    expect(r.exitCode).toBe(2);
  });

  it('without --seed the slot is stable: from this host and the config path', async () => {
    const file = writeConfig(CONFIG);
    const first = await schedule(['-c', file, '--cron']);
    const second = await schedule(['-c', file, '--cron']);
    expect(first.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const json = JSON.parse((await schedule(['-c', file, '--cron', '--json'])).stdout) as { minute: number; hours: number[] };
    const expected = slotFromSeed(hostSeed(file).seed);
    expect(json).toMatchObject({ minute: expected.minute, hours: expected.hours });
    expect(first.stdout).toBe(cronText(expected, commandFor(file)));
  });

  it('--json: minute, hours, the text, and the conflicts', async () => {
    const file = writeConfig(CONFIG);
    const cron = JSON.parse((await schedule(['-c', file, '--cron', '--json', '--seed', 'test'])).stdout) as Record<string, unknown>;
    expect(Object.keys(cron)).toEqual(['minute', 'hours', 'cron', 'conflicts']);
    expect(cron).toMatchObject({ minute: 45, hours: [9, 21], cron: cronText(slotFromSeed('test'), commandFor(file)) });
    expect(cron.conflicts).toEqual(findConflicts());
    const units = JSON.parse((await schedule(['-c', file, '--systemd', '--json', '--seed', 'test'])).stdout) as Record<string, unknown>;
    expect(Object.keys(units)).toEqual(['minute', 'hours', 'service', 'timer', 'conflicts']);
    expect(units.timer).toBe(systemdUnits(slotFromSeed('test'), commandFor(file)).timer);
  });

  it('quotes a config path with a space for the shell and for systemd', async () => {
    const file = writeConfig(CONFIG, 'my site.yaml');
    const cron = await schedule(['-c', file, '--cron', '--seed', 'test']);
    expect(cron.stdout.trimEnd().split('\n').at(-1)!.endsWith(` renew -c '${file}' --quiet`)).toBe(true);
    const units = await schedule(['-c', file, '--systemd', '--seed', 'test']);
    expect(units.stdout).toContain(` renew -c "${file}" --quiet\n`);
  });

  it("warns about Debian's certbot.timer and /etc/cron.d/certbot when this host has them", async () => {
    const r = await schedule(['-c', writeConfig(CONFIG), '--cron', '--seed', 'test']);
    expect(r.exitCode).toBe(0);
    const timerEnabled = existsSync(DEBIAN_PATHS.timerWants);
    const cronFile = existsSync(DEBIAN_PATHS.cronFile);
    if (timerEnabled) {
      expect(r.stderr).toMatch(/cert-wrap: warning: Debian's certbot\.timer \(.*certbot\.timer, enabled by \/etc\/systemd\/system\/timers\.target\.wants\/certbot\.timer\)/);
      expect(r.stderr).toMatch(/to fix: systemctl disable (--now )?certbot\.timer\n/);
    } else {
      expect(r.stderr).not.toContain('certbot.timer');
    }
    if (cronFile) {
      expect(r.stderr).toMatch(/cert-wrap: (warning|note): \/etc\/cron\.d\/certbot /);
      expect(r.stderr).toContain('to fix: ');
      // whether it runs depends on systemd being PID 1, which its line tests
      expect(r.stderr).toContain(existsSync('/run/systemd/system') ? 'stays idle' : 'would run "certbot renew"');
    } else {
      expect(r.stderr).not.toContain('/etc/cron.d/certbot');
    }
    if (!timerEnabled && !cronFile) expect(r.stderr).toBe('');
  });
});
