import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRON_PATH, cronLine, cronText, cronWord, execStart, systemdUnits, systemdWord } from '../../../../src/adapters/schedule/render.js';
import { slotFromSeed } from '../../../../src/adapters/schedule/slot.js';

const snap = (name: string) => join(import.meta.dirname, '__snapshots__', name);
const slot = slotFromSeed('test');
const command = ['/usr/bin/node', '/usr/lib/node_modules/cert-wrap/bin/cert-wrap.js', 'renew', '-c', '/etc/cert-wrap/site.yaml'];
const spaced = ['/opt/node 20/bin/node', "/srv/it's here/cert-wrap/bin/cert-wrap.js", 'renew', '-c', '/etc/cert-wrap/100% site.yaml'];


describe('snapshots (seed "test")', () => {
  it('the crontab paste', async () => {
    await expect(cronText(slot, command)).toMatchFileSnapshot(snap('cron.txt'));
  });

  it('the systemd service and timer', async () => {
    const units = systemdUnits(slot, command, { writablePaths: ['/etc/cert-wrap/certs', '/etc/letsencrypt', '/var/cache/cert-wrap', '/var/lib/letsencrypt', '/var/log/letsencrypt', '/var/run/nginx', '/var/www'] });
    await expect(units.service).toMatchFileSnapshot(snap('cert-wrap-renew.service'));
    await expect(units.timer).toMatchFileSnapshot(snap('cert-wrap-renew.timer'));
  });

  it('paths with a space, a quote and a percent sign', async () => {
    await expect(`${cronText(slot, spaced)}\n${systemdUnits(slot, spaced).service}`).toMatchFileSnapshot(snap('quoted-paths.txt'));
  });
});

describe('the crontab line', () => {
  it('is for root\'s crontab: five time fields then the command, no user field; the hint line has "root"', () => {
    expect(cronLine({ minute: 7, hours: [4, 16] }, command)).toBe(`7 4,16 * * * PATH=${CRON_PATH} ${command.join(' ')}`);
    const lines = cronText({ minute: 7, hours: [4, 16] }, command).trimEnd().split('\n');
    expect(lines.at(-1)).toBe(cronLine({ minute: 7, hours: [4, 16] }, command));
    expect(lines.slice(0, -1).every((l) => l.startsWith('#'))).toBe(true);
    expect(lines).toContain(`# 7 4,16 * * * root PATH=${CRON_PATH} ${command.join(' ')}`);
  });

  it('has five fields in range for every slot (a crontab(5) field parser)', () => {
    for (let i = 0; i < 300; i++) {
      const s = slotFromSeed(`seed ${i}`);
      const fields = parseCronTime(cronLine(s, command));
      expect(fields).toEqual({ minute: [s.minute], hour: [...s.hours], dom: 'any', month: 'any', dow: 'any' });
    }
  });

  it('a % is never left for cron to turn into a newline', () => {
    expect(cronWord('a%b')).toBe('a\\%b');
    expect(cronWord('/x y/%')).toBe("'/x y/'\\%");
    expect(cronWord('\\%')).toBe("'\\'\\%");
    expect(cronWord('')).toBe("''");
  });

  it('refuses a relative executable and control characters', () => {
    expect(() => cronLine(slot, ['node', 'x'])).toThrow(/absolute path/);
    expect(() => cronLine(slot, ['/usr/bin/node', 'a\nb'])).toThrow(/control character/);
    expect(() => systemdUnits(slot, ['/usr/bin/node', 'a\tb'])).toThrow(/control character/);
  });
});

describe('the systemd units', () => {
  it('service: oneshot, ExecStart with the absolute command; timer: both times, Persistent, WantedBy', () => {
    const { service, timer } = systemdUnits({ minute: 3, hours: [11, 23] }, command);
    expect(service).toContain('\n[Service]\nType=oneshot\n');
    expect(service).toContain(`\nExecStart=${command.join(' ')}\n`);
    expect(timer).toContain('\nOnCalendar=*-*-* 11,23:03:00\nPersistent=true\n');
    expect(timer).toContain('\n[Install]\nWantedBy=timers.target\n');
    // Each text is exactly the file's content: no path header, no instructions.
    expect(service.split('\n')[0]).toBe('[Unit]');
    expect(timer.split('\n')[0]).toBe('[Unit]');
  });

  it('quotes ExecStart words for systemd: %% and $$ in arguments, only %% in the executable', () => {
    expect(systemdWord('/etc/cert-wrap/site.yaml')).toBe('/etc/cert-wrap/site.yaml');
    expect(systemdWord('a b')).toBe('"a b"');
    expect(systemdWord('100%')).toBe('100%%');
    expect(systemdWord('$HOME')).toBe('$$HOME');
    expect(systemdWord(';')).toBe('";"');
    expect(systemdWord('x"y\\z')).toBe('"x\\"y\\\\z"');
    expect(systemdWord("it's")).toBe('"it\'s"');
    expect(systemdWord('/a $b/node', true)).toBe('"/a $b/node"');
    expect(() => execStart(['/a "b"/node'])).toThrow(/quote or backslash/);
  });
});

/** The five time fields of a crontab line, each a list of numbers checked against its range, or "any". */
function parseCronTime(line: string): Record<'minute' | 'hour' | 'dom' | 'month' | 'dow', number[] | 'any'> {
  const fields = line.split(/[ \t]+/).slice(0, 5);
  expect(fields).toHaveLength(5);
  const ranges: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
  const parsed = fields.map((field, i) => {
    if (field === '*') return 'any' as const;
    const [lo, hi] = ranges[i]!;
    return field.split(',').map((part) => {
      expect(part).toMatch(/^\d+$/);
      const n = Number(part);
      expect(n >= lo && n <= hi, `${n} in ${lo}-${hi}`).toBe(true);
      return n;
    });
  });
  return { minute: parsed[0]!, hour: parsed[1]!, dom: parsed[2]!, month: parsed[3]!, dow: parsed[4]! };
}
