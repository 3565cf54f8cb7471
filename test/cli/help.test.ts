import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/defs/index.js';
import { helpWidth, wrap } from '../../src/cli/help.js';
import { bins, runBin } from '../../lab/cli.js';

// Every width is checked in-process (test/unit/cli/help.test.ts); the binaries print at one.
const WIDTHS = [80];

/** Every help screen of both commands: [label, bin, args, example commands shown there]. */
const PAGES: [string, string, string[], string[]][] = [
  ['cert-wrap --help', bins.certWrap, ['--help'], []],
  ...COMMANDS.map((def): [string, string, string[], string[]] => [
    `cert-wrap ${def.name} --help`,
    bins.certWrap,
    [def.name, '--help'],
    (def.examples ?? []).map(([command]) => command.replace(/\$0/g, 'cert-wrap')),
  ]),
  [
    'gen-nginx --help',
    bins.genNginx,
    ['--help'],
    ['gen-nginx site.yaml > /etc/nginx/conf.d/acme.conf', 'gen-nginx site.yaml --templates ./my-templates'],
  ],
];

describe('--help', () => {
  for (const width of WIDTHS) {
    it(`at COLUMNS=${width}: every example on a line of its own, no line wider than the screen`, async () => {
      for (const [label, bin, args, examples] of PAGES) {
        const { exitCode, stdout } = await runBin(bin, args, { env: { COLUMNS: String(width) } });
        expect(exitCode, label).toBe(0);
        const lines = stdout.split('\n');
        for (const command of examples) expect(lines, `${label}: example "${command}" is split`).toContain(`  ${command}`);
        const wide = lines.filter((l) => l.length > width);
        expect(wide, `${label}: lines wider than ${width}`).toEqual([]);
      }
    });
  }

  it('one style for every command and gen-nginx: Usage with arguments, Options with -h, Exit codes', async () => {
    for (const [label, bin, args] of PAGES) {
      const { stdout } = await runBin(bin, args, { env: { COLUMNS: '100' } });
      expect(stdout, label).toMatch(/^Usage: (cert-wrap|gen-nginx) \S/);
      expect(stdout, label).toContain('\nOptions:\n');
      expect(stdout, label).toMatch(/\n {2}-h, --help +show this help\n/);
      expect(stdout, label).toContain('\nExit codes: 0 success;');
    }
  });

  it('usage lines show the arguments', async () => {
    const usage = async (args: string[], bin = bins.certWrap) => (await runBin(bin, args)).stdout.split('\n')[0];
    expect(await usage(['obtain', '--help'])).toBe('Usage: cert-wrap obtain -c CONFIG [options]');
    expect(await usage(['status', '--help'])).toBe('Usage: cert-wrap status -c CONFIG [options]');
    expect(await usage(['schedule', '--help'])).toBe('Usage: cert-wrap schedule -c CONFIG (--cron | --systemd) [options]');
    expect(await usage(['--help'])).toBe('Usage: cert-wrap COMMAND -c CONFIG [options]');
    expect(await usage(['--help'], bins.genNginx)).toBe('Usage: gen-nginx CONFIG [options]');
    const obtain = (await runBin(bins.certWrap, ['obtain', '--help'], { env: { COLUMNS: '100' } })).stdout;
    expect(obtain).toMatch(/\n {2}-c, --config CONFIG +config file/);
    expect(obtain).toMatch(/\n {6}--lock-timeout SECONDS +seconds [^(]*\(default: 60\)/);
  });

  it('a mistyped command or option gets "did you mean", exit 2, nothing on stdout', async () => {
    const command = await runBin(bins.certWrap, ['obtian', '-c', 'site.yaml']);
    expect(command.exitCode).toBe(2);
    expect(command.stdout).toBe('');
    expect(command.stderr).toContain('unknown command "obtian" (did you mean "obtain"?)');
    const far = await runBin(bins.certWrap, ['frobnicate']);
    expect(far.exitCode).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
    const option = await runBin(bins.certWrap, ['renew', '-c', 'site.yaml', '--dryrun']);
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toContain('(did you mean "--dry-run"?)');
    const gen = await runBin(bins.genNginx, ['site.yaml', '--chek']);
    expect(gen.exitCode).toBe(2);
    expect(gen.stderr).toContain('(did you mean "--check"?)');
  });

  it('the width comes from COLUMNS, else the terminal, else 80, kept between 40 and 100', () => {
    expect(helpWidth({ COLUMNS: '120' }, 60)).toBe(100);
    expect(helpWidth({ COLUMNS: '70' }, 200)).toBe(70);
    expect(helpWidth({}, 90)).toBe(90);
    expect(helpWidth({}, undefined)).toBe(80);
    expect(helpWidth({ COLUMNS: 'x' }, 0)).toBe(80);
    expect(helpWidth({ COLUMNS: '10' }, undefined)).toBe(40);
    expect(wrap('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
    expect(wrap('a-very-long-word b', 4)).toEqual(['a-very-long-word', 'b']);
  });
});
