/**
 * Files and devices: what cert-wrap writes never replaces a device or goes
 * through a link another user planted, and what it reads is a regular file of
 * a bounded size, never a FIFO that blocks it or a device without end.
 *
 * The commands run as real processes, as root (the case that matters: root
 * writes where others can plant names). The other user is `nobody`, who plants
 * links and files with its own tools (setpriv), in shared directories: a
 * sticky world-writable one (like /tmp), and config-dir and certs-dir made
 * writable by others. Device nodes are made with mknod inside the test's own
 * directory, so a failure on broken code never damages the host's /dev.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, readSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { bins, repoRoot } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { findTool, isRoot } from '../../lab/tools.js';

const DAY = 86_400_000;
const fake = join(repoRoot, 'lab', 'fake-certbot.sh');
const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A built command as a real process. A command that blocks (on a FIFO) is
 * stopped with SIGKILL after 20 s and shows as exit -1: a hang fails the test
 * by its exit code, not by a time measurement.
 */
async function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const r = await execa(process.execPath, [bin, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', CI: '1', ...env },
    timeout: 20_000,
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Run a tool as nobody:nogroup (the other local user). */
function asNobody(tool: string, args: string[]): void {
  const r = spawnSync(findTool('setpriv')!, ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', findTool(tool)!, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`as nobody: ${tool} ${args.join(' ')}: ${r.stderr}`);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeTempDir(d);
});
async function tempDir(prefix: string): Promise<string> {
  const d = await makeTempDir(prefix);
  dirs.push(d);
  return d;
}

function siteYaml(dir: string, certs = '  - domains: [a.example.org]', extra: string[] = []): string {
  return [
    `webroot: ${dir}/webroot`,
    `certbot: ${fake}`,
    `config-dir: ${dir}/le`,
    `certs-dir: ${dir}/certs`,
    'nginx:',
    `  pid-file: ${dir}/run/nginx.pid`,
    ...extra,
    'certificates:',
    certs,
    '',
  ].join('\n');
}

async function site(prefix: string, certs?: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(prefix);
  mkdirSync(join(dir, 'webroot'));
  const file = join(dir, 'site.yaml');
  writeFileSync(file, siteYaml(dir, certs));
  return { dir, file };
}

const root = isRoot() && findTool('setpriv') !== null && findTool('mknod') !== null;

describe.runIf(root)('-o and --metrics never replace a device, a FIFO or stdout (issue 9, item 3)', () => {
  it('gen-nginx -o onto a character device (a null device made with mknod) writes into it; the node stays a device', async () => {
    const { dir, file } = await site('cw-fd-null-');
    const dev = join(dir, 'null');
    spawnSync('mknod', ['-m', '666', dev, 'c', '1', '3']);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    const r = await run(bins.genNginx, [file, '-o', dev]);
    expect(r.exitCode, r.stderr).toBe(0);
    const st = lstatSync(dev);
    expect(st.isCharacterDevice(), 'the device node was replaced by a regular file').toBe(true);
    expect(st.rdev).toBe(statSync('/dev/null').rdev);
  });

  it('--metrics onto a link to this process\'s stdout (what /dev/stdout is) writes the metrics to stdout; the link stays', async () => {
    const { dir, file } = await site('cw-fd-stdout-');
    const link = join(dir, 'stdout');
    symlinkSync('/proc/self/fd/1', link);
    const r = await run(bins.certWrap, ['status', '-c', file, '--metrics', link]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('cert_wrap_certificate_renewal_due{certificate="a.example.org"} 1');
    expect(lstatSync(link).isSymbolicLink(), 'the link was replaced by a regular file').toBe(true);
    expect(readlinkSync(link)).toBe('/proc/self/fd/1');
  });

  it('gen-nginx -o /dev/fd/1 prints the servers, as without -o', async () => {
    const { file } = await site('cw-fd-devfd-');
    const r = await run(bins.genNginx, [file, '-o', '/dev/fd/1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('server_name a.example.org;');
  });

  it('gen-nginx -o onto a FIFO with a reader writes through it; the FIFO stays; without a reader: refused, exit 1', async () => {
    const { dir, file } = await site('cw-fd-fifo-');
    const fifo = join(dir, 'out.fifo');
    spawnSync('mkfifo', [fifo]);
    const lonely = await run(bins.genNginx, [file, '-o', fifo]);
    expect(lonely.exitCode).toBe(1);
    expect(lonely.stderr).toBe(`gen-nginx: cannot write ${fifo}: it is a FIFO and no process is reading from it; nothing written\n`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);

    // The test itself is the reader: its end is open before gen-nginx starts (the output fits the pipe's buffer).
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const r = await run(bins.genNginx, [file, '-o', fifo]);
      expect(r.exitCode, r.stderr).toBe(0);
      const buf = Buffer.alloc(1 << 16);
      const n = readSync(reader, buf, 0, buf.length, null);
      expect(buf.subarray(0, n).toString()).toContain('server_name a.example.org;');
    } finally {
      closeSync(reader);
    }
    expect(lstatSync(fifo).isFIFO(), 'the FIFO was replaced by a regular file').toBe(true);
  });

  it('a directory is refused before any work (exit 2)', async () => {
    const { dir, file } = await site('cw-fd-dir-');
    mkdirSync(join(dir, 'out.d'));
    const r = await run(bins.genNginx, [file, '-o', join(dir, 'out.d')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`gen-nginx: cannot write ${join(dir, 'out.d')}: it is a directory; only a regular file is replaced\n`);
  });
});

describe.runIf(root)('-o onto a name another user planted (issue 9, item 9)', () => {
  /** A shared sticky directory (like /tmp) where nobody plants out.conf. */
  async function sticky(): Promise<{ dir: string; file: string; shared: string; out: string; bait: string }> {
    const { dir, file } = await site('cw-fd-sticky-');
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    return { dir, file, shared, out: join(shared, 'out.conf'), bait: join(shared, 'bait') };
  }

  it('a link out.conf -> bait (0666, nobody\'s): refused, exit 2; the bait and the link unchanged, nothing written', async () => {
    const { file, out, bait } = await sticky();
    asNobody('sh', ['-c', `umask 000; printf 'bait\\n' > ${bait}; ln -s bait ${out}`]);
    expect(octal(statSync(bait).mode)).toBe('0666');
    const r = await run(bins.genNginx, [file, '-o', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`gen-nginx: cannot write ${out}: it is a symbolic link (to "bait"); links are not followed: give the path of the file itself\n`);
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(readFileSync(bait, 'utf8')).toBe('bait\n');
  });

  it('the writer itself (--metrics, after the run) never takes the mode of a link\'s target: the link is refused', async () => {
    const { file, out, bait } = await sticky();
    asNobody('sh', ['-c', `umask 000; printf 'bait\\n' > ${bait}; ln -s bait ${out}`]);
    const r = await run(bins.certWrap, ['status', '-c', file, '--metrics', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`cannot write metrics to ${out}: it is a symbolic link`);
    expect(readFileSync(bait, 'utf8')).toBe('bait\n');
  });

  it('a regular out.conf planted by nobody with 0666: replaced by root\'s own file with the safe default 0644', async () => {
    const { file, out } = await sticky();
    asNobody('sh', ['-c', `umask 000; printf '# planted\\n' > ${out}`]);
    expect(octal(statSync(out).mode)).toBe('0666');
    const r = await run(bins.genNginx, [file, '-o', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    const st = lstatSync(out);
    expect(st.isFile()).toBe(true);
    expect(octal(st.mode)).toBe('0644');
    expect(st.uid).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('server_name a.example.org;');
  });

  it('root\'s own existing 0640 file keeps its mode; a new file is 0644', async () => {
    const { file, shared, out } = await sticky();
    writeFileSync(out, '# old\n');
    chmodSync(out, 0o640);
    expect((await run(bins.genNginx, [file, '-o', out])).exitCode).toBe(0);
    expect(octal(statSync(out).mode)).toBe('0640');
    const fresh = join(shared, 'new.conf');
    expect((await run(bins.genNginx, [file, '-o', fresh])).exitCode).toBe(0);
    expect(octal(statSync(fresh).mode)).toBe('0644');
  });
});

describe.runIf(root)('only regular files of a bounded size are read (issue 9, item 13)', () => {
  it('a FIFO as the config file: exit 2 at once, for gen-nginx and for cert-wrap (its cached loader)', async () => {
    const dir = await tempDir('cw-fd-cfgfifo-');
    const fifo = join(dir, 'site.yaml');
    spawnSync('mkfifo', [fifo]);
    const g = await run(bins.genNginx, [fifo]);
    expect(g.exitCode, 'gen-nginx blocked on the FIFO (killed after 20 s)').toBe(2);
    expect(g.stderr).toBe(`gen-nginx: cannot read config file ${fifo}: it is a FIFO (named pipe), not a regular file\n`);
    for (const command of ['status', 'obtain', 'reload']) {
      const c = await run(bins.certWrap, [command, '-c', fifo], { CERT_WRAP_CACHE_DIR: join(dir, 'cache') });
      expect(c.exitCode, `${command} blocked on the FIFO`).toBe(2);
      expect(c.stderr).toBe(`cert-wrap: cannot read config file ${fifo}: it is a FIFO (named pipe), not a regular file\n`);
    }
  });

  it('/dev/zero as the config file: refused as a device, not read', async () => {
    const r = await run(bins.genNginx, ['/dev/zero']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('gen-nginx: cannot read config file /dev/zero: it is a character device, not a regular file\n');
  });

  it('a config file over 64 MiB (a sparse file of zeros) is refused with the limit, not parsed', async () => {
    const dir = await tempDir('cw-fd-big-');
    const big = join(dir, 'site.yaml');
    writeFileSync(big, '');
    truncateSync(big, 64 * 1024 * 1024 + 1);
    const r = await run(bins.genNginx, [big]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`gen-nginx: cannot read config file ${big}: it is larger than 64 MiB\n`);
  });

  it('a FIFO as nginx\'s pid file: reload refuses at once (exit 1), naming it', async () => {
    const { dir, file } = await site('cw-fd-pidfifo-');
    mkdirSync(join(dir, 'run'));
    spawnSync('mkfifo', [join(dir, 'run', 'nginx.pid')]);
    const r = await run(bins.certWrap, ['reload', '-c', file], { CERT_WRAP_CACHE_DIR: join(dir, 'cache') });
    expect(r.exitCode, 'reload blocked on the FIFO').toBe(1);
    expect(r.stderr).toContain(`cannot read pid file ${dir}/run/nginx.pid: it is a FIFO (named pipe), not a regular file`);
  });
});

describe.runIf(root)('cert-wrap\'s own files in a config-dir or certs-dir others can write (issue 9, item 15)', () => {
  /** config-dir and certs-dir writable by everyone (the mistake the item is about); a root-only bait file. */
  async function shared(prefix: string, certs?: string) {
    const { dir, file } = await site(prefix, certs);
    for (const d of ['le', 'certs']) {
      mkdirSync(join(dir, d));
      chmodSync(join(dir, d), 0o777);
    }
    const bait = join(dir, 'precious');
    writeFileSync(bait, 'root only\n');
    chmodSync(bait, 0o600);
    return { dir, file, bait, env: { CERT_WRAP_CACHE_DIR: join(dir, 'cache') } };
  }

  it('the lock owner file: a link cert-wrap.lock.owner -> a root file is not written through', async () => {
    const { dir, file, bait, env } = await shared('cw-fd-lock-');
    asNobody('ln', ['-s', bait, join(dir, 'le', 'cert-wrap.lock.owner')]);
    const r = await run(bins.certWrap, ['obtain', '-c', file, '--json', '--no-preflight', '--no-reload'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(bait, 'utf8')).toBe('root only\n');
  });

  it('reload-pending: a link to a root file is not appended to; the pending reload is recorded in a file of cert-wrap\'s own', async () => {
    const { dir, file, bait, env } = await shared('cw-fd-pending-', '  - name: mail\n    domains: [mail.example.org]');
    const now = Date.now();
    const live = makeLineage(join(dir, 'le'), { name: 'mail', domains: ['mail.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    const pending = join(dir, 'certs', 'reload-pending');
    asNobody('ln', ['-s', bait, pending]);
    const r = await run(bins.certWrap, ['deploy-hook', '-c', file], { ...env, RENEWED_LINEAGE: live, CERT_WRAP_DEFER_RELOAD: '1' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(bait, 'utf8')).toBe('root only\n');
    const st = lstatSync(pending);
    expect(st.isFile() && st.uid === 0).toBe(true);
    expect(readFileSync(pending, 'utf8')).toBe('mail\n');
  });

  it('reload-pending: a FIFO planted there does not block the deploy hook', async () => {
    const { dir, file, env } = await shared('cw-fd-pendfifo-', '  - name: mail\n    domains: [mail.example.org]');
    const now = Date.now();
    const live = makeLineage(join(dir, 'le'), { name: 'mail', domains: ['mail.example.org'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    asNobody('mkfifo', [join(dir, 'certs', 'reload-pending')]);
    const r = await run(bins.certWrap, ['deploy-hook', '-c', file], { ...env, RENEWED_LINEAGE: live, CERT_WRAP_DEFER_RELOAD: '1' });
    expect(r.exitCode, `${r.stderr} (-1: blocked on the FIFO)`).toBe(0);
    expect(readFileSync(join(dir, 'certs', 'reload-pending'), 'utf8')).toBe('mail\n');
  });

  it('state.json: a FIFO there does not block status; a link to a 0666 file is replaced by a 0644 file, the target unchanged', async () => {
    const { dir, file, env } = await shared('cw-fd-state-');
    const state = join(dir, 'certs', 'state.json');
    asNobody('mkfifo', [state]);
    const s = await run(bins.certWrap, ['status', '-c', file, '--metrics', join(dir, 'm.prom')], env);
    expect(s.exitCode, `${s.stderr} (-1: blocked on the FIFO)`).toBe(0);

    asNobody('sh', ['-c', `rm ${state}; umask 000; printf '{}\\n' > ${dir}/certs/open.json; ln -s open.json ${state}`]);
    const r = await run(bins.certWrap, ['renew', '-c', file, '--json', '--no-preflight', '--no-reload'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'certs', 'open.json'), 'utf8')).toBe('{}\n');
    const st = lstatSync(state);
    expect(st.isFile()).toBe(true);
    expect(octal(st.mode)).toBe('0644');
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ certificates: { 'a.example.org': {} } });
  });
});

describe('certificate names that are cert-wrap\'s own files in certs-dir are refused (issue 9, item 15)', () => {
  it.each([
    ['name: state.json', '  - name: state.json\n    domains: [a.example.org]', 'certificates[0].name'],
    ['name: reload-pending', '  - name: reload-pending\n    domains: [a.example.org]', 'certificates[0].name'],
    ['a first domain that becomes the name', '  - domains: [state.json, a.example.org]', 'certificates[0].domains'],
  ])('%s: exit 2, the config path and the name', async (_what, certs, path) => {
    const dir = await tempDir('cw-fd-name-');
    const file = join(dir, 'site.yaml');
    writeFileSync(file, siteYaml(dir, certs));
    const name = /name: (\S+)/.exec(certs)?.[1] ?? 'state.json';
    const r = await run(bins.certWrap, ['bootstrap', '-c', file], { CERT_WRAP_CACHE_DIR: join(dir, 'cache') });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `cert-wrap: ${file}:8: ${path}: certificate name "${name}" is the name of a file cert-wrap keeps in certs-dir (state.json, reload-pending); choose another name\n`,
    );
    expect(existsSync(join(dir, 'certs')), 'nothing written').toBe(false);
  });
});

describe('gen-nginx C -o C: the config file is never the output (issue 9, item 21)', () => {
  it.each([
    ['the same path', (f: string) => f],
    ['another spelling of it', (f: string) => join(f, '..', '.', 'site.yaml')],
    ['a hard link to it', (f: string) => {
      const other = join(f, '..', 'hard.yaml');
      linkSync(f, other);
      return other;
    }],
  ])('%s: exit 2, nothing written, the config unchanged', async (_what, output) => {
    const { file } = await site('cw-fd-self-');
    const before = readFileSync(file, 'utf8');
    const out = output(file);
    const r = await run(bins.genNginx, [file, '-o', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`gen-nginx: cannot write ${out}: it is the config file ${file} itself; nothing written\n`);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
