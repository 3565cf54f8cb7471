import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CRON_PATH, cronLine, cronText, cronWord, execStart, onCalendar, systemdUnits, systemdWord } from '../../../../src/adapters/schedule/render.js';
import { slotFromSeed } from '../../../../src/adapters/schedule/slot.js';
import { bins } from '../../../../lab/cli.js';
import { findTool, isCI } from '../../../../lab/tools.js';

const snap = (name: string) => join(import.meta.dirname, '__snapshots__', name);
const slot = slotFromSeed('test');
const command = ['/usr/bin/node', '/usr/lib/node_modules/cert-wrap/bin/cert-wrap.js', 'renew', '-c', '/etc/cert-wrap/site.yaml'];
const spaced = ['/opt/node 20/bin/node', "/srv/it's here/cert-wrap/bin/cert-wrap.js", 'renew', '-c', '/etc/cert-wrap/100% site.yaml'];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-schedule-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

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

  it('cron then /bin/sh hand every argument through unchanged, % included', async () => {
    const weird = ['a b', "it's", '100%', '%%', 'a\\%b', '\\', '$HOME', '`id`', ';', '"q"', '', 'x%y%z', 'ü', '*', '-c'];
    const line = cronLine(slot, [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...weird]);
    const shellCommand = asCronRunsIt(line.split(' ').slice(5).join(' '));
    const r = await execa('/bin/sh', ['-c', shellCommand], { env: { PATH: '/usr/bin:/bin' }, extendEnv: false });
    expect(JSON.parse(r.stdout)).toEqual(weird);
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

// The real tools. systemd-analyze works without a running systemd (as in a container);
// `verify` also resolves ExecStart's executable, so the quoting of that path is checked for real.
const systemdAnalyze = findTool('systemd-analyze');
if (systemdAnalyze === null) {
  if (isCI()) throw new Error('systemd-analyze is missing: CI must provide it (apt-get install -y systemd)');
  process.stderr.write('\n!!! SKIPPING schedule checks against systemd-analyze: not found (apt-get install -y systemd)\n\n');
}

const analyze = (args: string[]) => execa(systemdAnalyze!, args, { reject: false, env: { SYSTEMD_LOG_COLOR: '0' } });

/** Whether `verify` works here at all: it loads units in a manager of its own, which some sandboxes refuse. */
async function verifyWorks(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-verify-probe-'));
  try {
    writeFileSync(join(dir, 'probe.service'), `[Service]\nType=oneshot\nExecStart=${process.execPath} -e 0\n`);
    const r = await analyze(['verify', join(dir, 'probe.service')]);
    if (r.exitCode !== 0) process.stderr.write(`\n!!! SKIPPING systemd-analyze verify checks: verify fails on a trivial unit here:\n${r.stderr}\n\n`);
    return r.exitCode === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const canVerify = systemdAnalyze !== null && (await verifyWorks());

describe.skipIf(systemdAnalyze === null)('systemd-analyze accepts the units', () => {

  it.each(['test', 'another host', 'a third'])('calendar accepts the OnCalendar= value (seed %j)', async (seed) => {
    const s = slotFromSeed(seed);
    const value = onCalendar(s);
    const r = await analyze(['calendar', '--iterations=2', value]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Normalized form: ${value}`);
    const times = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #2): \w+ \S+ (\d\d:\d\d):00/g)].map((m) => m[1]);
    expect(times.sort()).toEqual(s.hours.map((h) => `${pad(h)}:${pad(s.minute)}`));
  });

  it.skipIf(!canVerify)('verify accepts the service (timeout and sandboxing included) and timer for this cert-wrap, without a word', async () => {
    const dir = tempDir();
    const sandbox = { writablePaths: ['/etc/letsencrypt', '/srv/nginx run', '/srv/100%', '/var/cache/cert-wrap'] };
    const { service, timer } = systemdUnits(slot, [process.execPath, bins.certWrap, 'renew', '-c', '/etc/cert-wrap/site.yaml', '--quiet'], sandbox);
    expect(service).toContain('ReadWritePaths="-/srv/nginx run"\n');
    writeFileSync(join(dir, 'cert-wrap-renew.service'), service);
    writeFileSync(join(dir, 'cert-wrap-renew.timer'), timer);
    const r = await analyze(['verify', join(dir, 'cert-wrap-renew.service'), join(dir, 'cert-wrap-renew.timer')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it.skipIf(!canVerify)('verify finds an executable whose path has a space, a % and a $', async () => {
    const dir = tempDir();
    const exeDir = join(dir, 'node 20%x $y');
    mkdirSync(exeDir);
    const exe = join(exeDir, 'node');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    writeFileSync(join(dir, 'cert-wrap-renew.service'), systemdUnits(slot, [exe, '/x/cert-wrap.js', 'renew', '-c', '/etc/100% $sure.yaml']).service);
    const ok = await analyze(['verify', join(dir, 'cert-wrap-renew.service')]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    // And verify does catch a wrongly quoted executable ($ doubled as in arguments): the check above is not vacuous.
    writeFileSync(join(dir, 'bad.service'), `[Service]\nType=oneshot\nExecStart="${exe.replace(/%/g, '%%').replace(/\$/g, '$$$$')}" renew\n`);
    const bad = await analyze(['verify', join(dir, 'bad.service')]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/is not executable/);
  });
});

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * What cron does to a command before `sh -c` (cronie and Debian's cron,
 * do_command.c): `\%` loses its backslash, and the first unescaped `%` ends the
 * command (the rest becomes stdin, which the line must not have).
 */
function asCronRunsIt(cmd: string): string {
  let out = '';
  let escaped = false;
  for (const ch of cmd) {
    if (escaped) {
      if (ch === '%') out = out.slice(0, -1);
      out += ch;
      escaped = false;
      continue;
    }
    if (ch === '\\') escaped = true;
    if (ch === '%') throw new Error(`unescaped % in ${cmd}: cron would cut the command there`);
    out += ch;
  }
  return out;
}

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
