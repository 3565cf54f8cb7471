/**
 * `npm run demo`, run exactly as the README shows it: a certificate from a
 * local Pebble, served by nginx over HTTPS, the right closing advice, and
 * nothing left behind (processes, ports, temp dir).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, shellEnv, writeConfig } from '../../lab/cli.js';
import { assertPortFree } from '../../lab/pebble.js';
import { isProcessAlive, processState, requireAcmeEnv } from '../../lab/tools.js';

const acme = requireAcmeEnv();

/** The demo command as the README writes it. */
function readmeDemoCommand(): string[] {
  const command = /`(npm run demo)`/.exec(readFileSync(join(repoRoot, 'README.md'), 'utf8'))?.[1];
  if (command === undefined) throw new Error('README.md shows no `npm run demo`');
  return command.split(' ');
}

describe.skipIf(!acme.ok)('npm run demo', () => {
  it('issues a certificate from Pebble, nginx serves it over HTTPS, and it stops what it started', async () => {
    const [file, ...args] = readmeDemoCommand();
    const run = await execa(file!, args, { cwd: repoRoot, env: shellEnv(), extendEnv: false, reject: false, stdin: 'ignore' });
    const out = String(run.stdout);
    expect(run.exitCode, `${out}\n${String(run.stderr)}`).toBe(0);

    expect(out).toMatch(/^ {3}\| demo +demo\.test, www\.demo\.test +issued/m);
    expect(out).toContain('HTTP 200: hello from demo.test, over https');
    const serials = /served certificate serial (\w+), live\/demo\/cert\.pem serial (\w+)/.exec(out);
    expect(serials?.[1]).toBeDefined();
    expect(serials?.[1]).toBe(serials?.[2]);

    // The closing advice names the command the schedule really runs.
    const schedule = await runBin(bins.certWrap, ['schedule', '-c', writeConfig('certificates:\n  - domains: [a.test]\n'), '--cron', '--seed', 'x']);
    expect(schedule.stdout).toMatch(/ renew -c /);
    expect(out).toContain('`cert-wrap schedule -c site.yaml --cron`');
    expect(out).toContain('`cert-wrap renew -c site.yaml` twice a day');

    // Nothing left: its temp dir, Pebble, challtestsrv, nginx, the ports.
    const dir = /in (\/\S*cert-wrap-demo-\w+)\n/.exec(out)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
    const pids = [...(/pebble is up \(pids (\d+), (\d+)\)/.exec(out)?.slice(1) ?? []), /nginx master pid (\d+)/.exec(out)?.[1]].map(Number);
    expect(pids).toHaveLength(3);
    // A daemon's exit is reaped by PID 1; where PID 1 does not reap, a zombie ('Z') is what remains of it.
    for (const pid of pids) expect(isProcessAlive(pid), `pid ${pid} still runs (state ${processState(pid)})`).toBe(false);
    for (const port of [80, 443, 14000, 15000]) await assertPortFree(port, '127.0.0.1'); // the demo's own address, as a user runs it
  });
});
