/**
 * The schedule's outputs against the real tools: /bin/sh runs the crontab line's
 * command as cron hands it over, and systemd-analyze checks the units.
 * (The renderers' own tests, in-process: test/unit/adapters/schedule/render.test.ts.)
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cronLine, onCalendar, systemdUnits } from '../../src/adapters/schedule/render.js';
import { slotFromSeed } from '../../src/adapters/schedule/slot.js';
import { bins } from '../../lab/cli.js';
import { findTool, isCI } from '../../lab/tools.js';

const slot = slotFromSeed('test');

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cert-wrap-schedule-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('the crontab line', () => {
  it('cron then /bin/sh hand every argument through unchanged, % included', async () => {
    const weird = ['a b', "it's", '100%', '%%', 'a\\%b', '\\', '$HOME', '`id`', ';', '"q"', '', 'x%y%z', 'ü', '*', '-c'];
    const line = cronLine(slot, [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...weird]);
    const shellCommand = asCronRunsIt(line.split(' ').slice(5).join(' '));
    const r = await execa('/bin/sh', ['-c', shellCommand], { env: { PATH: '/usr/bin:/bin' }, extendEnv: false });
    expect(JSON.parse(r.stdout)).toEqual(weird);
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

