/**
 * Broken environments, table-driven: certbot missing, nginx missing, webroot
 * missing or read-only, config file unreadable, pid file directory missing,
 * certbot's directories (and cert-wrap's certs-dir) not writable.
 *
 * Every row runs the real built commands as child processes and holds them to
 * the same contract (README, "Exit codes"): the documented exit code (2 for a
 * check before running, an unreadable config or bad usage; 1 for a failure
 * while working), a short stderr (one line, or a header and one indented line
 * per problem) that names the thing (the path or command) and says what to do,
 * no stack trace, no "unexpected error", no bare errno code such as ENOENT.
 *
 * "Read-only" cannot be made with mode bits here: the tests run as root, and
 * root ignores them. Read-only directories are real read-only mounts instead
 * (an empty tmpfs mounted with -o ro), made inside a private mount namespace
 * (`unshare --mount`) that lives only as long as the command under test, so no
 * mount is ever left behind on the host. "Permission denied" on the config file
 * runs the command as `nobody` (setpriv) on a root-only file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, repoRoot } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { type RunningNginx, startNginx } from '../../lab/nginx.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { findTool, isCI, isRoot, requireTools, freePort } from '../../lab/tools.js';

const fake = join(repoRoot, 'lab', 'fake-certbot.sh');
const DAY = 86_400_000;

interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface Run {
  bin: string;
  args: string[];
  env?: Record<string, string>;
  /** Mount an empty read-only tmpfs on this directory, for this command only. */
  readOnly?: string;
  /** Run as nobody:nogroup. */
  asNobody?: boolean;
}

/** Run a built command as a real process (optionally under a read-only mount or as nobody). */
async function run(r: Run): Promise<Result> {
  let file = process.execPath;
  let argv = [r.bin, ...r.args];
  if (r.asNobody) {
    argv = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', file, ...argv];
    file = findTool('setpriv')!;
  }
  if (r.readOnly !== undefined) {
    argv = ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount -t tmpfs -o ro,size=1m tmpfs "$1" && shift && exec "$@"', 'sh', r.readOnly, file, ...argv];
    file = findTool('unshare')!;
  }
  const res = await execa(file, argv, {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', CI: '1', ...r.env },
    stripFinalNewline: false,
    timeout: 60_000,
  });
  return { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** Whether this host lets us make a read-only mount in a private mount namespace (root with CAP_SYS_ADMIN). */
function canMountReadOnly(): boolean {
  if (!isRoot() || findTool('unshare') === null) return false;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount -t tmpfs -o ro,size=1m tmpfs /mnt'], { stdio: 'ignore' });
  return r.status === 0;
}
const mountOk = canMountReadOnly();
if (!mountOk && isCI()) {
  // CI runs as root on this kind of machine: these rows must run there, not skip.
  throw new Error('read-only mounts (unshare --mount, root with CAP_SYS_ADMIN) are not available in CI: the read-only rows cannot run');
}
if (!mountOk) {
  process.stderr.write(
    '\n!!! SKIPPING the read-only rows of test/reliability/environments.test.ts: read-only mounts need root with CAP_SYS_ADMIN (unshare --mount); root ignores mode bits, so there is no other way to make a directory read-only for root\n\n',
  );
}
const nobodyOk = isRoot() && findTool('setpriv') !== null;

/** The common contract of an error report on stderr. */
function expectClearError(label: string, r: Result, program: string, exitCode: number, mentions: (string | RegExp)[]): void {
  const shown = `${label}\n--- exit ${r.exitCode}\n--- stderr:\n${r.stderr}--- stdout:\n${r.stdout}`;
  expect(r.exitCode, shown).toBe(exitCode);
  expect(r.stderr, shown).not.toMatch(/\n\s+at \S/); // a stack frame
  expect(r.stderr, shown).not.toMatch(/unexpected error|--debug/);
  expect(r.stderr, shown).not.toMatch(/\bE(NOENT|ACCES|PERM|ROFS|NOTDIR|ISDIR|NOTEMPTY|EXIST|LOOP|IO|BUSY|NOSPC)\b/);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines.length, shown).toBeGreaterThanOrEqual(1);
  expect(lines.length, shown).toBeLessThanOrEqual(4);
  // One sentence from the program, or a header and indented lines, one per problem.
  expect(lines[0], shown).toMatch(new RegExp(`^${program.replace(/[-]/g, '\\-')}( deploy-hook)?: \\S`));
  for (const line of lines.slice(1)) expect(line, shown).toMatch(/^ {2}\S/);
  for (const m of mentions) {
    if (typeof m === 'string') expect(r.stderr, shown).toContain(m);
    else expect(r.stderr, shown).toMatch(m);
  }
}

/** A site in a fresh temp dir: webroot, certbot's dirs, certs-dir, pid file path; the stand-in certbot. */
async function site(opts: { certbot?: string; extra?: string; nginx?: string; certs?: string } = {}) {
  const dir = await makeTempDir('cw-env-');
  const webroot = join(dir, 'webroot');
  mkdirSync(webroot);
  const le = join(dir, 'le');
  const file = join(dir, 'site.yaml');
  const text = [
    `webroot: ${webroot}`,
    `certbot: ${opts.certbot ?? fake}`,
    `config-dir: ${le}`,
    `certs-dir: ${dir}/certs`,
    ...(opts.extra ? [opts.extra.trimEnd()] : []),
    'nginx:',
    opts.nginx ?? `  pid-file: ${dir}/run/nginx.pid`,
    'certificates:',
    opts.certs ?? '  - domains: [a.example.org]',
    '',
  ].join('\n');
  writeFileSync(file, text);
  return { dir, webroot, le, file };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeTempDir(d);
});
async function tracked(s: Awaited<ReturnType<typeof site>>) {
  dirs.push(s.dir);
  return s;
}

describe('certbot missing', () => {
  it.each([
    ['obtain', ['obtain', '--no-preflight', '--no-reload']],
    ['renew', ['renew', '--no-preflight', '--no-reload']],
  ])('%s: not on PATH -> exit 2 before anything runs, says to install it or set "certbot"', async (_n, args) => {
    const s = await tracked(await site({ certbot: 'no-such-certbot-here' }));
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file] });
    expectClearError(`${args[0]} with certbot missing`, r, 'cert-wrap', 2, ['no-such-certbot-here', /install|set "certbot"/]);
  });

  it.each([
    ['obtain', ['obtain', '--no-preflight', '--no-reload']],
    ['renew', ['renew', '--no-preflight', '--no-reload']],
  ])('%s: a path that is not executable -> exit 2, names the path and the key to fix', async (_n, args) => {
    const s = await tracked(await site());
    const notExec = join(s.dir, 'certbot');
    writeFileSync(notExec, '#!/bin/sh\n');
    chmodSync(notExec, 0o644);
    writeFileSync(s.file, readFileSync(s.file, 'utf8').replace(`certbot: ${fake}`, `certbot: ${notExec}`));
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file] });
    expectClearError(`${args[0]} with a non-executable certbot`, r, 'cert-wrap', 2, [notExec, /not an executable/, /"certbot"/]);
  });
});

describe('webroot missing or read-only', () => {
  it.each([
    ['obtain', ['obtain', '--no-preflight', '--no-reload']],
    ['obtain (with the HTTP-01 preflight)', ['obtain', '--resolve', 'a.example.org:127.0.0.3']],
    ['renew', ['renew', '--no-preflight', '--no-reload']],
    ['preflight', ['preflight', '--resolve', 'a.example.org:127.0.0.3']],
  ])('%s: missing webroot -> exit 2, says to create it', async (_n, args) => {
    const s = await tracked(await site());
    rmdirSync(s.webroot);
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file] });
    expectClearError(`${args[0]} with the webroot missing`, r, 'cert-wrap', 2, [`webroot ${s.webroot}`, /does not exist/, `mkdir -p ${s.webroot}`]);
  });

  it.skipIf(!mountOk).each([
    ['obtain', ['obtain', '--no-preflight', '--no-reload']],
    ['obtain (with the HTTP-01 preflight)', ['obtain', '--resolve', 'a.example.org:127.0.0.3']],
    ['renew', ['renew', '--no-preflight', '--no-reload']],
    ['preflight', ['preflight', '--resolve', 'a.example.org:127.0.0.3']],
  ])('%s: read-only webroot (a read-only mount) -> exit 2, names it and why certbot needs to write there', async (_n, args) => {
    const s = await tracked(await site());
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file], readOnly: s.webroot });
    expectClearError(`${args[0]} with a read-only webroot`, r, 'cert-wrap', 2, [`webroot ${s.webroot}`, /not writable/, /read-only/, /acme-challenge/]);
  });
});

/** Every command that reads the config, with what it needs besides it. */
const CONFIG_READERS: { label: string; bin: string; args: (file: string) => string[]; env?: Record<string, string>; program: string }[] = [
  { label: 'gen-nginx', bin: bins.genNginx, args: (f) => [f], program: 'gen-nginx' },
  { label: 'gen-nginx -c --check', bin: bins.genNginx, args: (f) => ['-c', f, '--check'], program: 'gen-nginx' },
  { label: 'obtain', bin: bins.certWrap, args: (f) => ['obtain', '--no-preflight', '--no-reload', '-c', f], program: 'cert-wrap' },
  { label: 'obtain --print', bin: bins.certWrap, args: (f) => ['obtain', '--print', '-c', f], program: 'cert-wrap' },
  { label: 'renew', bin: bins.certWrap, args: (f) => ['renew', '--no-preflight', '--no-reload', '-c', f], program: 'cert-wrap' },
  { label: 'status', bin: bins.certWrap, args: (f) => ['status', '-c', f], program: 'cert-wrap' },
  { label: 'plan', bin: bins.certWrap, args: (f) => ['plan', '-c', f], program: 'cert-wrap' },
  { label: 'bootstrap', bin: bins.certWrap, args: (f) => ['bootstrap', '-c', f], program: 'cert-wrap' },
  { label: 'preflight', bin: bins.certWrap, args: (f) => ['preflight', '-c', f], program: 'cert-wrap' },
  { label: 'schedule', bin: bins.certWrap, args: (f) => ['schedule', '--cron', '-c', f], program: 'cert-wrap' },
  { label: 'reload', bin: bins.certWrap, args: (f) => ['reload', '-c', f], program: 'cert-wrap' },
  { label: 'deploy-hook', bin: bins.certWrap, args: (f) => ['deploy-hook', '-c', f], env: { RENEWED_LINEAGE: '/nonexistent/live/a.example.org' }, program: 'cert-wrap' },
];

describe('config file unreadable: every command that reads it -> exit 2, one line naming the file and why', () => {
  const cases: [string, (dir: string, file: string) => string, RegExp][] = [
    ['does not exist', (dir) => join(dir, 'nope.yaml'), /no such file|does not exist/],
    ['is under a directory that does not exist', (dir) => join(dir, 'no-such-dir', 'site.yaml'), /no such file|does not exist/],
    ['is a directory', (dir) => dir, /is a directory/],
    ['is under a regular file (a path component is not a directory)', (_dir, file) => join(file, 'site.yaml'), /not a directory/],
  ];
  it.each(cases)('the config path %s', { timeout: 60_000 }, async (_what, pathOf, why) => {
    const s = await tracked(await site());
    const path = pathOf(s.dir, s.file);
    const results = await Promise.all(CONFIG_READERS.map(async (c) => ({ c, r: await run({ bin: c.bin, args: c.args(path), env: c.env }) })));
    for (const { c, r } of results) {
      expectClearError(`${c.label} -c ${path}`, r, c.program, 2, [`config file ${path}`, why]);
    }
  });

  it.skipIf(!nobodyOk)('the config file is not readable by the user running the command (root-only, run as nobody)', { timeout: 60_000 }, async () => {
    const s = await tracked(await site());
    chmodSync(s.file, 0o600);
    const results = await Promise.all(
      CONFIG_READERS.map(async (c) => ({ c, r: await run({ bin: c.bin, args: c.args(s.file), env: c.env, asNobody: true }) })),
    );
    for (const { c, r } of results) {
      expectClearError(`${c.label} as nobody`, r, c.program, 2, [`config file ${s.file}`, /permission denied/]);
    }
  });

  it('a YAML alias without its anchor is an invalid config (exit 2, file and line), not an unexpected error', { timeout: 60_000 }, async () => {
    const s = await tracked(await site({ extra: 'email: *contact' }));
    const results = await Promise.all(CONFIG_READERS.map(async (c) => ({ c, r: await run({ bin: c.bin, args: c.args(s.file), env: c.env }) })));
    for (const { c, r } of results) expectClearError(`${c.label} with an unresolved alias`, r, c.program, 2, ['site.yaml', /contact/]);
  });
});

describe('pid file directory missing', () => {
  it.each([
    ['reload', ['reload'], {}],
    ['deploy-hook', ['deploy-hook'], { lineage: true }],
  ] as const)('%s -> exit 1, names the pid file and asks whether nginx runs with that pid path', async (_n, args, o) => {
    const s = await tracked(await site());
    const pidFile = join(s.dir, 'run', 'nginx.pid'); // run/ does not exist
    const env: Record<string, string> = {};
    if ('lineage' in o) {
      const now = Date.now();
      env.RENEWED_LINEAGE = makeLineage(s.le, { name: 'a.example.org', domains: ['a.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    }
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file], env });
    expectClearError(`${args[0]} with the pid file's directory missing`, r, 'cert-wrap', 1, [`pid file ${pidFile}`, /does not exist/, /is nginx running|nginx\.pid-file/]);
  });
});

const nginxTools = requireTools(['nginx'], 'environments: nginx-missing rows (a real nginx master on a high loopback port)');

describe.skipIf(!nginxTools.ok)('nginx missing (nginx.binary is not a command), a real nginx master running', () => {
  let nginx: RunningNginx | undefined;
  let base: string;
  beforeAll(async () => {
    base = await makeTempDir('cw-env-nginx-');
    const servers = join(base, 'servers.conf');
    writeFileSync(servers, `server { listen 127.0.0.1:${await freePort()}; return 204; }\n`);
    nginx = await startNginx({ dir: base, serversConf: servers });
  });
  afterAll(async () => {
    await nginx?.stop();
    await removeTempDir(base);
  });

  it.each([
    ['reload', ['reload'], false],
    ['deploy-hook', ['deploy-hook'], true],
  ] as const)('%s -> exit 1, names the command and says to install nginx or set nginx.binary; nginx untouched', async (_n, args, lineage) => {
    const s = await tracked(await site({ nginx: `  pid-file: ${nginx!.pidFile}\n  binary: no-such-nginx-here` }));
    const env: Record<string, string> = {};
    if (lineage) {
      const now = Date.now();
      env.RENEWED_LINEAGE = makeLineage(s.le, { name: 'a.example.org', domains: ['a.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    }
    const workers = await nginx!.workers();
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file], env });
    expectClearError(`${args[0]} with nginx missing`, r, 'cert-wrap', 1, ['no-such-nginx-here', /install nginx|nginx\.binary/]);
    expect(await nginx!.workers()).toEqual(workers); // no SIGHUP was sent
  });
});

describe('nginx missing for gen-nginx --check', () => {
  it('exit 1 (nginx -t could not run: a failure while working), names the command, says what to do, writes nothing', async () => {
    const s = await tracked(await site({ nginx: `  pid-file: /nonexistent/nginx.pid\n  binary: no-such-nginx-here` }));
    const out = join(s.dir, 'acme.conf');
    const r = await run({ bin: bins.genNginx, args: ['--check', '-o', out, s.file] });
    expectClearError('gen-nginx --check with nginx missing', r, 'gen-nginx', 1, ['no-such-nginx-here', /install nginx|nginx\.binary/]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('certbot directories not writable (read-only mounts)', () => {
  it.skipIf(!mountOk).each([
    ['obtain', ['obtain', '--no-preflight', '--no-reload']],
    ['renew', ['renew', '--no-preflight', '--no-reload']],
  ])('%s: config-dir read-only -> exit 2 before certbot runs, names config-dir and that it is not writable', async (_n, args) => {
    const s = await tracked(await site());
    mkdirSync(s.le);
    const log = join(s.dir, 'certbot-calls.log');
    const r = await run({ bin: bins.certWrap, args: [...args, '-c', s.file], readOnly: s.le, env: { FAKE_CERTBOT_LOG: log } });
    expectClearError(`${args[0]} with a read-only config-dir`, r, 'cert-wrap', 2, [s.le, /not writable|read-only/]);
    expect(existsSync(log)).toBe(false);
  });

  const certbot = requireTools(['certbot'], 'environments: work-dir/logs-dir rows (the real certbot)');
  it.skipIf(!mountOk || !certbot.ok).each(['work-dir', 'logs-dir'])(
    'obtain with the real certbot: %s read-only -> exit 2 before certbot runs, names that directory (not certbot\'s "run as root" advice)',
    async (key) => {
      const s = await tracked(await site({ certbot: 'certbot' }));
      const workDir = join(s.dir, 'work');
      const logsDir = join(s.dir, 'logs');
      mkdirSync(workDir);
      mkdirSync(logsDir);
      writeFileSync(
        s.file,
        readFileSync(s.file, 'utf8').replace('certbot: certbot\n', `certbot: certbot\nwork-dir: ${workDir}\nlogs-dir: ${logsDir}\nserver: https://127.0.0.1:9/directory\n`),
      );
      const ro = key === 'work-dir' ? workDir : logsDir;
      // certbot falls back to a temporary log directory: keep it inside the test's dir
      const r = await run({ bin: bins.certWrap, args: ['obtain', '--no-preflight', '--no-reload', '-c', s.file], readOnly: ro, env: { TMPDIR: s.dir } });
      expectClearError(`obtain with a read-only ${key}`, r, 'cert-wrap', 2, [ro, /not writable|read-only/]);
    },
  );
});

describe("cert-wrap's certs-dir not writable (read-only mount)", () => {
  it.skipIf(!mountOk)('bootstrap -> exit 1 (a file could not be written), names certs-dir and that it is read-only, not a bare errno', async () => {
    const s = await tracked(await site());
    const certsDir = join(s.dir, 'certs');
    mkdirSync(certsDir);
    const r = await run({ bin: bins.certWrap, args: ['bootstrap', '-c', s.file], readOnly: certsDir });
    expectClearError('bootstrap with a read-only certs-dir', r, 'cert-wrap', 1, [certsDir, /not writable|read-only/]);
  });
});
