import { existsSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PATHS, findConflicts } from '../../src/schedule/conflicts.js';
import { cronText, systemdUnits } from '../../src/schedule/render.js';
import { hostSeed } from '../../src/schedule/seed.js';
import { slotFromSeed } from '../../src/schedule/slot.js';
import { bins, runBin, writeConfig } from '../support/cli.js';

const CONFIG = 'certificates:\n  - domains: [example.org]\n';
/** What the built cert-wrap puts in the schedule: this node, the launcher's real path, renew -c CONFIG. */
const commandFor = (file: string) => [process.execPath, realpathSync(bins.certWrap), 'renew', '-c', file];
const schedule = (args: string[]) => runBin(bins.certWrap, ['schedule', ...args]);

describe('cert-wrap schedule', () => {
  it('--cron prints the crontab paste for this cert-wrap and config, exit 0', async () => {
    const file = writeConfig(CONFIG);
    const r = await schedule(['-c', file, '--cron', '--seed', 'test']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(cronText(slotFromSeed('test'), commandFor(file)));
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^45 9,21 \* \* \* PATH=\S+ /);
    expect(last.endsWith(` ${realpathSync(bins.certWrap)} renew -c ${file}`)).toBe(true);
  });

  it('--systemd prints the service, then the timer', async () => {
    const file = writeConfig(CONFIG);
    const r = await schedule(['-c', file, '--systemd', '--seed', 'test']);
    expect(r.exitCode, r.stderr).toBe(0);
    const { service, timer } = systemdUnits(slotFromSeed('test'), commandFor(file));
    expect(r.stdout).toBe(`${service}\n${timer}`);
    expect(r.stdout).toContain(`\nExecStart=${process.execPath} ${realpathSync(bins.certWrap)} renew -c ${file}\n`);
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
    expect(units).toMatchObject(systemdUnits(slotFromSeed('test'), commandFor(file)));
  });

  it('quotes a config path with a space for the shell and for systemd', async () => {
    const file = writeConfig(CONFIG, 'my site.yaml');
    const cron = await schedule(['-c', file, '--cron', '--seed', 'test']);
    expect(cron.stdout.trimEnd().split('\n').at(-1)!.endsWith(` renew -c '${file}'`)).toBe(true);
    const units = await schedule(['-c', file, '--systemd', '--seed', 'test']);
    expect(units.stdout).toContain(` renew -c "${file}"\n`);
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
