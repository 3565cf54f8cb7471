/**
 * EAB secrets (eab-kid, eab-hmac-key) never appear in anything cert-wrap or
 * gen-nginx shows or writes: --print, the streamed certbot output, the summary
 * table, --json, metrics, state.json, the stable paths, error messages.
 *
 * Every command that reads the config runs as a real process against a config
 * holding distinctive values. certbot is replaced by a stand-in that echoes its
 * own argv (which holds the secrets) on stdout and stderr and, for some names,
 * fails with the argv in its error line or only in its log file, so that
 * cert-wrap has to redact what it streams and what it summarizes. Each output
 * is searched for the values and for any 8-character piece of them.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins } from '../../lab/cli.js';
import { exitCodeOf } from '../../src/cli/exit-codes.js';
import { formatError } from '../../src/cli/run.js';
import { loadConfigCached } from '../../src/adapters/store/config-cache.js';
import { forgetSecrets } from '../../src/lib/secrets.js';
import { loadConfig } from '../../src/model/load.js';
import { makeLineage } from '../../lab/lineage.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { requireTools } from '../../lab/tools.js';

const KID = 'kid-SECRET-7f3a9';
const HMAC = 'hmac-SECRET-c0ffee';
const DAY = 86_400_000;

/**
 * A certbot stand-in that shows its argv, as a careless tool would:
 *  - every name: argv and the --config file's text on stdout and on stderr, and in
 *    LOGS-DIR/letsencrypt.log; the config file's path, modes and owner in LOGS-DIR/config-seen;
 *  - fail-echo*: then an error line that repeats the argv and the config, exit 1;
 *  - fail-quiet*: prints nothing at all; only its log holds the error (with the argv), exit 1;
 *  - slow*: waits 30 s first (to be interrupted);
 *  - anything else: "Successfully received certificate.", exit 0.
 */
const ECHO_CERTBOT = `#!/bin/sh
name=""; logs=""; prev=""; cfg=""
for a in "$@"; do
  [ "$prev" = "--cert-name" ] && name="$a"
  [ "$prev" = "--logs-dir" ] && logs="$a"
  case "$a" in --config=*) cfg="\${a#--config=}" ;; esac
  prev="$a"
done
if [ -n "$cfg" ]; then
  set -- "$@" $(tr '\\n' ' ' < "$cfg")
fi
if [ -n "$logs" ]; then
  mkdir -p "$logs"
  echo "certbot._internal.main:DEBUG: Arguments: $*" >> "$logs/letsencrypt.log"
  [ -n "$cfg" ] && echo "$cfg $(stat -c '%a %u' "$cfg") $(stat -c '%a %u' "$(dirname "$cfg")")" >> "$logs/config-seen"
fi
case "$name" in slow*) exec sleep 30 ;; esac
case "$name" in
  fail-quiet*)
    echo "certbot.errors.Error: account registration refused for $*" >> "$logs/letsencrypt.log"
    exit 1 ;;
esac
echo "argv: $*"
echo "argv on stderr: $*" >&2
case "$name" in
  fail-echo*)
    echo "An unexpected error occurred:"
    echo "certbot.errors.Error: the CA refused $*"
    exit 1 ;;
esac
echo "Successfully received certificate."
`;

interface Captured {
  label: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The secret values, or any 8-character piece of one, found in `text`. */
function leaks(text: string): string[] {
  const found = new Set<string>();
  for (const secret of [KID, HMAC]) {
    if (text.includes(secret)) {
      found.add(secret);
      continue;
    }
    for (let i = 0; i + 8 <= secret.length; i++) {
      const piece = secret.slice(i, i + 8);
      if (text.includes(piece)) found.add(piece);
    }
  }
  return [...found];
}

function expectNoSecret(what: string, text: string): void {
  expect(leaks(text), `${what} shows (part of) an EAB secret:\n${text}`).toEqual([]);
}

/** Every regular file under `dir`, with its text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...filesUnder(path));
    else if (st?.isFile()) out.push({ path, text: readFileSync(path, 'latin1') });
  }
  return out;
}

let dir: string;
let config: string;
let webroot: string;
let certsDir: string;
let configDir: string;

function siteText(certbot: string, certs: string, extra = ''): string {
  return [
    `webroot: ${webroot}`,
    `certbot: ${certbot}`,
    `config-dir: ${configDir}`,
    `logs-dir: ${dir}/logs`,
    `certs-dir: ${certsDir}`,
    `eab-kid: ${KID}`,
    `eab-hmac-key: ${HMAC}`,
    'server: https://127.0.0.1:9/directory',
    extra,
    'nginx:',
    `  pid-file: ${dir}/run/nginx.pid`,
    'certificates:',
    certs,
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

const CERTS = [
  '  - name: ok-one',
  '    domains: [a.example.org]',
  '  - name: fail-echo-one',
  '    domains: [b.example.org]',
  '  - name: fail-quiet-one',
  '    domains: [c.example.org]',
  '  - name: manual',
  '    domains: [d.example.org]',
  '    challenge: http',
  '    authentication-hook: /bin/true',
].join('\n');

beforeAll(async () => {
  dir = await makeTempDir('cw-eab-');
  webroot = join(dir, 'webroot');
  certsDir = join(dir, 'certs');
  configDir = join(dir, 'le');
  mkdirSync(webroot);
  const standIn = join(dir, 'echo-certbot.sh');
  writeFileSync(standIn, ECHO_CERTBOT);
  chmodSync(standIn, 0o755);
  config = join(dir, 'site.yaml');
  writeFileSync(config, siteText(standIn, CERTS));
  const now = Date.now();
  // one issued certificate (renewal due), so that status, plan, renew and deploy-hook have a lineage to read
  makeLineage(configDir, { name: 'ok-one', domains: ['a.example.org'], notBefore: new Date(now - 70 * DAY), notAfter: new Date(now + 20 * DAY) });
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function capture(label: string, bin: string, args: string[], env: Record<string, string> = {}): Promise<Captured> {
  const r = await execa(process.execPath, [bin, ...args], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1', CI: '1', ...env }, timeout: 60_000 });
  return { label, exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function expectClean(c: Captured): void {
  expectNoSecret(`${c.label}: stdout`, c.stdout);
  expectNoSecret(`${c.label}: stderr`, c.stderr);
}

describe('EAB secrets never appear in what the commands print', () => {
  const cases: [string, 'gen' | 'cw', (o: { config: string; dir: string }) => string[], Record<string, string>?][] = [
    ['gen-nginx CONFIG', 'gen', (o) => [o.config]],
    ['gen-nginx --output FILE', 'gen', (o) => [o.config, '-o', join(o.dir, 'acme.conf')]],
    ['obtain --print', 'cw', (o) => ['obtain', '--print', '-c', o.config]],
    ['obtain --print --dry-run --cert fail-echo-one', 'cw', (o) => ['obtain', '--print', '--dry-run', '--cert', 'fail-echo-one', '-c', o.config]],
    ['plan', 'cw', (o) => ['plan', '-c', o.config]],
    ['plan --json', 'cw', (o) => ['plan', '--json', '-c', o.config]],
    ['status', 'cw', (o) => ['status', '-c', o.config]],
    ['status --json --metrics FILE', 'cw', (o) => ['status', '--json', '--metrics', join(o.dir, 'status.prom'), '-c', o.config]],
    ['preflight (connection refused)', 'cw', (o) => ['preflight', '--timeout', '2', '--resolve', 'a.example.org:127.0.0.3', '--resolve', 'b.example.org:127.0.0.3', '--resolve', 'c.example.org:127.0.0.3', '-c', o.config]],
    ['preflight --json', 'cw', (o) => ['preflight', '--json', '--timeout', '2', '--resolve', 'a.example.org:127.0.0.3', '--resolve', 'b.example.org:127.0.0.3', '--resolve', 'c.example.org:127.0.0.3', '-c', o.config]],
    ['bootstrap', 'cw', (o) => ['bootstrap', '-c', o.config]],
    ['bootstrap --json', 'cw', (o) => ['bootstrap', '--json', '-c', o.config]],
    ['reload (no nginx running)', 'cw', (o) => ['reload', '-c', o.config]],
    ['reload --json', 'cw', (o) => ['reload', '--json', '-c', o.config]],
    ['schedule --cron', 'cw', (o) => ['schedule', '--cron', '--seed', 'x', '-c', o.config]],
    ['schedule --systemd --json', 'cw', (o) => ['schedule', '--systemd', '--json', '--seed', 'x', '-c', o.config]],
    ['obtain --cert nope (usage error)', 'cw', (o) => ['obtain', '--cert', 'nope', '-c', o.config]],
    ['obtain --cert nope --debug', 'cw', (o) => ['obtain', '--cert', 'nope', '--debug', '-c', o.config]],
  ];
  it.each(cases)('%s', async (label, which, args) => {
    const c = await capture(label, which === 'gen' ? bins.genNginx : bins.certWrap, args({ config, dir }));
    expect(c.exitCode, `${label}: ${c.stderr}`).toBeLessThan(3);
    expectClean(c);
  });

  it('deploy-hook (RENEWED_LINEAGE set, nginx not running)', async () => {
    const c = await capture('deploy-hook', bins.certWrap, ['deploy-hook', '-c', config], { RENEWED_LINEAGE: join(configDir, 'live', 'ok-one') });
    expect(c.exitCode).toBe(1); // the reload fails: no nginx
    expectClean(c);
    // The failed reload stays pending (a later run would retry it): clear it for the tests below.
    rmSync(join(certsDir, 'reload-pending'));
  });
});

describe("certbot's output that repeats the secrets is redacted: streamed lines, summary, --json", () => {
  it('the stand-in really received the secrets (so the checks below mean something)', async () => {
    const c = await capture('obtain --cert ok-one', bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '--cert', 'ok-one', '-c', config]);
    expect(c.exitCode).toBe(0);
    const log = readFileSync(join(dir, 'logs', 'letsencrypt.log'), 'utf8');
    expect(log).toContain(`eab-kid = "${KID}" eab-hmac-key = "${HMAC}"`);
    expect(log).not.toContain(`--eab`); // never in argv
    expect(c.stderr).toContain('ok-one | argv: certonly');
    expect(c.stderr).toContain('eab-kid = "***" eab-hmac-key = "***"');
    expectClean(c);
  });

  it('obtain (table): the certbot lines streamed on stderr are redacted', async () => {
    const c = await capture('obtain', bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '--cert', 'ok-one', '--cert', 'manual', '-c', config]);
    expect(c.exitCode).toBe(0);
    expectClean(c);
  });

  it.each([
    ['fail-echo-one', 'its error line repeats the argv'],
    ['fail-quiet-one', 'only its log file holds the error, with the argv'],
  ])('obtain, a certificate whose certbot fails (%s: %s): the failure reason in the table and on stderr', async (name) => {
    const c = await capture(`obtain --cert ${name}`, bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '--cert', name, '-c', config]);
    expect(c.exitCode).toBe(1);
    expect(c.stdout).toContain(`${name}  `);
    expectClean(c);
  });

  it.each(['fail-echo-one', 'fail-quiet-one'])('obtain --json, %s failing: the "reason" field', async (name) => {
    const c = await capture(`obtain --json --cert ${name}`, bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '--json', '--cert', name, '-c', config]);
    expect(c.exitCode).toBe(1);
    const summary = JSON.parse(c.stdout) as { certificates: { name: string; outcome: string; reason: string | null }[] };
    expect(summary.certificates[0]).toMatchObject({ name, outcome: 'failed' });
    expectClean(c);
  });

  it('renew --json --metrics FILE (every certificate needs something, two fail): stdout, stderr, metrics file, state.json', async () => {
    const metrics = join(dir, 'renew.prom');
    const c = await capture('renew --json --metrics', bins.certWrap, ['renew', '--no-preflight', '--no-reload', '--json', '--metrics', metrics, '-c', config]);
    expect(c.exitCode).toBe(1);
    const summary = JSON.parse(c.stdout) as { certificates: { name: string; outcome: string }[] };
    expect(summary.certificates.map((x) => [x.name, x.outcome])).toEqual([
      ['ok-one', 'issued'],
      ['fail-echo-one', 'failed'],
      ['fail-quiet-one', 'failed'],
      ['manual', 'issued'],
    ]);
    expectNoSecret(metrics, readFileSync(metrics, 'utf8'));
    expectNoSecret('state.json', readFileSync(join(certsDir, 'state.json'), 'utf8'));
    expectClean(c);
  });
});

/** The config files the stand-in was given: path, file mode and owner, directory mode and owner. */
function configsSeen(): { file: string; mode: string; dirMode: string }[] {
  const text = existsSync(join(dir, 'logs', 'config-seen')) ? readFileSync(join(dir, 'logs', 'config-seen'), 'utf8') : '';
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [file, mode, uid, dirMode, dirUid] = l.split(' ');
      expect(uid).toBe(String(process.getuid!()));
      expect(dirUid).toBe(String(process.getuid!()));
      return { file: file!, mode: mode!, dirMode: dirMode! };
    });
}

describe('the file that hands the secrets to certbot: 0600 in a 0700 directory, removed after success, failure and interrupt', () => {
  it.each(['ok-one', 'fail-echo-one', 'fail-quiet-one'])('%s', async (name) => {
    rmSync(join(dir, 'logs', 'config-seen'), { force: true });
    await capture(`obtain --cert ${name}`, bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '--cert', name, '-c', config]);
    const seen = configsSeen();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ mode: '600', dirMode: '700' });
    expect(existsSync(dirname(seen[0]!.file))).toBe(false);
  });

  it('SIGTERM while certbot runs: certbot stopped, the directory removed', async () => {
    rmSync(join(dir, 'logs', 'config-seen'), { force: true });
    const slow = join(dir, 'slow.yaml');
    writeFileSync(slow, siteText(join(dir, 'echo-certbot.sh'), '  - name: slow-one\n    domains: [s.example.org]'));
    const run = execa(process.execPath, [bins.certWrap, 'obtain', '--no-preflight', '--no-reload', '-c', slow], { reject: false, stdin: 'ignore', env: { CI: '1' } });
    for (let i = 0; i < 200 && configsSeen().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const seen = configsSeen();
    expect(seen).toHaveLength(1);
    expect(existsSync(seen[0]!.file)).toBe(true);
    run.kill('SIGTERM');
    const r = await run;
    expect(r.exitCode, `${String(r.signal)} ${String(r.stderr)}`).toBe(143);
    expect(existsSync(dirname(seen[0]!.file))).toBe(false);
  });
});

describe('files cert-wrap writes hold no secret', () => {
  it('metrics, state.json, the generated nginx file, everything under certs-dir, what cert-wrap leaves in config-dir', async () => {
    const out = join(dir, 'written');
    mkdirSync(out, { recursive: true });
    await capture('status --metrics', bins.certWrap, ['status', '--metrics', join(out, 'status.prom'), '-c', config]);
    await capture('renew --metrics', bins.certWrap, ['renew', '--no-preflight', '--no-reload', '--metrics', join(out, 'renew.prom'), '-c', config]);
    await capture('gen-nginx -o', bins.genNginx, [config, '-o', join(out, 'acme.conf')]);
    await capture('bootstrap', bins.certWrap, ['bootstrap', '-c', config]);
    const files = [
      ...filesUnder(out),
      ...filesUnder(certsDir),
      // certbot's own files (the stand-in's log, the lineage) are certbot's; cert-wrap's lock files are ours
      ...filesUnder(configDir).filter((f) => f.path.includes('cert-wrap')),
    ];
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([join(out, 'status.prom'), join(out, 'renew.prom'), join(out, 'acme.conf'), join(certsDir, 'state.json')]));
    for (const f of files) expectNoSecret(f.path, f.text);
  });
});

describe('a config error in an EAB field never echoes the value (cert-wrap and gen-nginx, with and without --debug)', () => {
  const base = (extra: string) =>
    ['webroot: /var/www', extra, 'certificates:', '  - domains: [a.example.org]', ''].join('\n');
  const cases: [string, string, string][] = [
    ['eab-kid with a space', base(`eab-kid: "${KID} x"\neab-hmac-key: ${HMAC}`), 'site.yaml'],
    ['eab-kid without eab-hmac-key', base(`eab-kid: ${KID}`), 'site.yaml'],
    ['eab-hmac-key without eab-kid', base(`eab-hmac-key: ${HMAC}`), 'site.yaml'],
    ['eab-hmac-key as a number', base(`eab-kid: ${KID}\neab-hmac-key: 31337000111`), 'site.yaml'],
    ['eab-kid as a list', base(`eab-kid: [${KID}]\neab-hmac-key: ${HMAC}`), 'site.yaml'],
    ['eab-hmac-key as a map', base(`eab-kid: ${KID}\neab-hmac-key: {value: ${HMAC}}`), 'site.yaml'],
    ['eab-hmac-key with a control character', base(`eab-kid: ${KID}\neab-hmac-key: "${HMAC}\\u0007"`), 'site.yaml'],
    ['eab-kid empty, eab-hmac-key set', base(`eab-kid: ""\neab-hmac-key: ${HMAC}`), 'site.yaml'],
    ['eab-kid given twice (YAML error)', base(`eab-kid: ${KID}\neab-hmac-key: ${HMAC}\neab-kid: ${KID}`), 'site.yaml'],
    ['a YAML error on the line of the secret', base(`eab-kid: ${KID}\neab-hmac-key: "${HMAC}`), 'site.yaml'],
    ['an unknown key next to the secrets', base(`eab-kid: ${KID}\neab-hmac-key: ${HMAC}\neab-hmac: ${HMAC}`), 'site.yaml'],
    [
      'a JSON syntax error at the secret (an unquoted value)',
      `{"webroot": "/var/www", "eab-kid": ${KID}, "eab-hmac-key": "${HMAC}", "certificates": [{"domains": ["a.example.org"]}]}\n`,
      'site.json',
    ],
    [
      'a JSON syntax error just after the secret',
      `{"webroot": "/var/www", "eab-kid": "${KID}", "eab-hmac-key": "${HMAC}" x, "certificates": [{"domains": ["a.example.org"]}]}\n`,
      'site.json',
    ],
    ['eab-hmac-key as a number (JSON)', `{"webroot": "/var/www", "eab-kid": "${KID}", "eab-hmac-key": 31337, "certificates": [{"domains": ["a.example.org"]}]}\n`, 'site.json'],
    // Secrets away from their own key: the value of the enclosing key is what a message shows.
    ['eab-hmac-key in a list item under nginx:', base(`nginx:\n  - eab-kid: ${KID}\n    eab-hmac-key: ${HMAC}`), 'site.yaml'],
    ['eab-* indented under certificates: (a mapping, not a list)', ['webroot: /var/www', 'certificates:', `  eab-kid: ${KID}`, `  eab-hmac-key: ${HMAC}`, ''].join('\n'), 'site.yaml'],
    ['eab-* indented into a certificate', base(`nginx: {}\ncertificates-x: 1`).replace('  - domains: [a.example.org]', `  - domains: [a.example.org]\n    eab-kid: ${KID}\n    eab-hmac-key: ${HMAC}\n    https: [${HMAC}]`), 'site.yaml'],
    ['a JSON file whose top level is an array', `[{"webroot": "/var/www", "eab-kid": "${KID}", "eab-hmac-key": "${HMAC}", "certificates": [{"domains": ["a.example.org"]}]}]\n`, 'site.json'],
    ['an ini-style file', `eab-kid=${KID}\neab-hmac-key=${HMAC}\n`, 'site.yaml'],
    ['an ini-style eab-hmac-key=... line among YAML', `webroot: /var/www\neab-kid: ${KID}\neab-hmac-key=${HMAC}\ncertificates:\n  - domains: [a.example.org]\n`, 'site.yaml'],
    ['a secret cut at the end of a long value', base(`nginx: ["${'x'.repeat(44)}", {eab-hmac-key: ${HMAC}}]`), 'site.yaml'],
  ];
  const write = (label: string, text: string, name: string) => {
    const sub = join(dir, `bad-${label.replace(/\W+/g, '-')}`);
    mkdirSync(sub, { recursive: true });
    const file = join(sub, name);
    writeFileSync(file, text);
    return file;
  };
  // Every case in-process, through the loaders the two commands use and the one error formatter, as each prints it;
  // the secrets this worker's earlier files remembered are forgotten first, so the redaction has to come from this load.
  it.each(cases)('%s', async (label, text, name) => {
    const file = write(label, text, name);
    for (const [program, load] of [
      ['gen-nginx', async () => loadConfig(file)],
      ['cert-wrap', () => loadConfigCached(file)],
    ] as const) {
      for (const debug of [false, true]) {
        forgetSecrets();
        const err: unknown = await load().then(
          () => null,
          (e: unknown) => e,
        );
        const what = `${label}: ${program}${debug ? ' --debug' : ''}`;
        expect(err, what).not.toBeNull();
        expect(exitCodeOf(err), what).toBe(2);
        const said = formatError(program, err, debug);
        expect(said, what).toContain(name);
        expectNoSecret(what, said);
      }
    }
  });
  // A few of them through the binaries, each command with and without --debug.
  const throughBinaries = cases.filter(([label]) => ['eab-kid with a space', 'a JSON syntax error at the secret (an unquoted value)', 'an ini-style eab-hmac-key=... line among YAML'].includes(label));
  it.each(throughBinaries)('the binaries: %s', { timeout: 60_000 }, async (label, text, name) => {
    const file = write(`bin-${label}`, text, name);
    const runs = await Promise.all([
      capture(`${label}: gen-nginx`, bins.genNginx, [file]),
      capture(`${label}: gen-nginx --debug`, bins.genNginx, [file, '--debug']),
      capture(`${label}: obtain --print`, bins.certWrap, ['obtain', '--print', '-c', file]),
      capture(`${label}: plan --json --debug`, bins.certWrap, ['plan', '--json', '--debug', '-c', file]),
    ]);
    for (const c of runs) {
      expect(c.exitCode, `${c.label}: ${c.stderr}`).toBe(2);
      expect(c.stderr, c.label).toContain(name);
      expectClean(c);
    }
  });
});

const certbotTools = requireTools(['certbot'], 'secrets: the real certbot against an unreachable ACME server');

describe.skipIf(!certbotTools.ok)('the real certbot (ACME server unreachable): its failure is reported without the secrets', () => {
  it('obtain --json and the table: reason and streamed lines', { timeout: 60_000 }, async () => {
    const sub = join(dir, 'real');
    mkdirSync(join(sub, 'webroot'), { recursive: true });
    const file = join(sub, 'site.yaml');
    writeFileSync(
      file,
      [
        `webroot: ${sub}/webroot`,
        `config-dir: ${sub}/le/config`,
        `work-dir: ${sub}/le/work`,
        `logs-dir: ${sub}/le/logs`,
        `certs-dir: ${sub}/certs`,
        `eab-kid: ${KID}`,
        `eab-hmac-key: ${HMAC}`,
        'server: https://127.0.0.1:9/directory',
        'certificates:',
        '  - domains: [a.example.org]',
        '',
      ].join('\n'),
    );
    for (const args of [['--json'], []]) {
      const c = await capture(`real certbot obtain ${args.join(' ')}`, bins.certWrap, ['obtain', '--no-preflight', '--no-reload', ...args, '-c', file]);
      expect(c.exitCode, c.stderr).toBe(1);
      expectClean(c);
    }
  });
});
