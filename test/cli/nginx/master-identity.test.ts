/**
 * The master a reload signals, against real processes: nginx started with its
 * options in the attached and bundled forms nginx accepts (the configuration
 * tested must be the one it runs), nginx run as another binary name
 * (nginx-debug), a process of another user that only titles itself as an
 * nginx master, a real nginx master of another user, and cert-wrap run by a
 * user who may not signal root's nginx.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bins, runBin } from '../../../lab/cli.js';
import { type RunningNginx, startNginx } from '../../../lab/nginx.js';
import { makeTempDir, removeTempDir } from '../../../lab/tmp.js';
import { findTool, freePort, isProcessAlive, isRoot, requireTools, waitFor } from '../../../lab/tools.js';

const { ok } = requireTools(['nginx'], 'the nginx master a reload signals');
const asOtherUser = ok && isRoot() && findTool('setpriv') !== null;

const sighups = (n: RunningNginx) => (readFileSync(n.errorLog, 'utf8').match(/signal 1 \(SIGHUP\) received/g) ?? []).length;
const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** A private nginx in its own temp dir, a config for cert-wrap naming its pid file, and the cleanup. */
async function site(opts: Omit<Parameters<typeof startNginx>[0], 'dir' | 'serversConf'> = {}, nginxKeys = '') {
  const dir = await makeTempDir('cert-wrap-master-');
  const servers = join(dir, 'servers.conf');
  writeFileSync(servers, `server { listen 127.0.0.1:${await freePort()}; return 204; }\n`);
  const nginx = await startNginx({ dir, serversConf: servers, ...opts });
  const config = join(dir, 'site.yaml');
  writeFileSync(config, `certs-dir: ${dir}/certs\ncertificates:\n  - domains: [a.test]\nnginx:\n  pid-file: ${nginx.pidFile}\n${nginxKeys}`);
  return { dir, servers, nginx, config, stop: async () => { await nginx.stop(); await removeTempDir(dir); } };
}

describe.skipIf(!ok)('9.6: the configuration tested is the one the master was started with, in every form nginx accepts', () => {
  const forms: [string, (p: { confPath: string; prefix: string; errorLog: string }) => string[]][] = [
    ['attached (-cFILE -pDIR -eFILE)', (p) => [`-c${p.confPath}`, `-p${p.prefix}`, `-e${p.errorLog}`]],
    ['bundled (-qc FILE) with -pDIR', (p) => ['-qc', p.confPath, `-p${p.prefix}`, '-e', p.errorLog]],
  ];

  it.each(forms)('%s: a configuration broken after start is refused, no SIGHUP, exit 1', async (_form, launchArgs) => {
    const s = await site({ launchArgs });
    try {
      // Works while the configuration is good.
      let before = await s.nginx.workers();
      let r = await runBin(bins.certWrap, ['reload', '-c', s.config]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(await waitFor(async () => (await s.nginx.workers()).every((w) => !before.includes(w)), 5000)).toBe(true);

      appendFileSync(s.servers, 'this is not nginx;\n');
      before = await s.nginx.workers();
      const count = sighups(s.nginx);
      r = await runBin(bins.certWrap, ['reload', '-c', s.config]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`-c ${s.nginx.confPath}`);
      expect(r.stderr).toContain('[emerg] unknown directive "this"');
      await pause(300);
      expect(sighups(s.nginx)).toBe(count);
      expect(await s.nginx.workers()).toEqual(before);
    } finally {
      await s.stop();
    }
  });

  it('a command line that cannot be read as nginx reads it: refused (exit 1, says why), unless nginx.conf-file says what runs', async () => {
    // A config path with " -x" in it: its title reads as an option nginx does not have.
    const odd = await makeTempDir('cert-wrap-odd-');
    const s = await site({
      launchArgs: (p) => {
        mkdirSync(join(odd, 'a -x'));
        copyFileSync(p.confPath, join(odd, 'a -x', 'nginx.conf'));
        return ['-c', join(odd, 'a -x', 'nginx.conf'), '-p', p.prefix, '-e', p.errorLog];
      },
    });
    try {
      const count = sighups(s.nginx);
      let r = await runBin(bins.certWrap, ['reload', '-c', s.config]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`cannot tell which configuration nginx (pid ${s.nginx.pid}) runs`);
      expect(r.stderr).toContain('nginx has no option "-x"');
      expect(r.stderr).toContain('set nginx.conf-file');
      await pause(300);
      expect(sighups(s.nginx)).toBe(count);

      appendFileSync(s.config, `  conf-file: ${join(odd, 'a -x', 'nginx.conf')}\n  prefix: ${s.nginx.prefix}\n`);
      r = await runBin(bins.certWrap, ['reload', '-c', s.config]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(await waitFor(() => sighups(s.nginx) === count + 1, 5000)).toBe(true);
    } finally {
      await s.stop();
      await removeTempDir(odd);
    }
  });
});

describe.skipIf(!ok)('9.12: the master is recognised by its binary and owner, not by its title', () => {
  it('nginx run as nginx-debug (another name for the binary), nginx.binary set to it: reloaded', async () => {
    const bin = await makeTempDir('cert-wrap-nginx-debug-');
    const debug = join(bin, 'nginx-debug');
    copyFileSync(findTool('nginx')!, debug);
    await execa('chmod', ['0755', debug]);
    const s = await site({ binary: debug }, `  binary: ${debug}\n`);
    try {
      expect(readFileSync(`/proc/${s.nginx.pid}/comm`, 'utf8').trim()).toBe('nginx-debug');
      const before = await s.nginx.workers();
      const r = await runBin(bins.certWrap, ['reload', '-c', s.config]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`nginx (pid ${s.nginx.pid}) reloaded\n`);
      expect(await waitFor(async () => (await s.nginx.workers()).every((w) => !before.includes(w)), 5000)).toBe(true);

      // Without nginx.binary, the master runs another binary than the nginx cert-wrap would test with: refused, saying which.
      writeFileSync(s.config, readFileSync(s.config, 'utf8').replace(`  binary: ${debug}\n`, ''));
      const count = sighups(s.nginx);
      const refused = await runBin(bins.certWrap, ['reload', '-c', s.config]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(`it runs ${debug}, not ${findTool('nginx')}`);
      await pause(300);
      expect(sighups(s.nginx)).toBe(count);
    } finally {
      await s.stop();
      await removeTempDir(bin);
    }
  });

  describe.skipIf(!asOtherUser)('processes of another user', () => {
    let s: Awaited<ReturnType<typeof site>> | undefined;
    let fake: ChildProcess | undefined;
    beforeAll(async () => {
      s = await site();
    });
    afterEach(() => {
      fake?.kill('SIGKILL');
      fake = undefined;
    });
    afterAll(async () => {
      await s?.stop();
    });

    it('a process of nobody titled "nginx: master process ..." (comm "nginx") is not signalled and stays alive', async () => {
      // sleep, started as "nginx" through a link and retitled: only its binary and owner give it away.
      const link = join(s!.dir, 'fake', 'nginx');
      mkdirSync(join(s!.dir, 'fake'));
      symlinkSync(findTool('sleep')!, link);
      const title = `nginx: master process /usr/sbin/nginx -c ${s!.nginx.confPath} -p ${s!.nginx.prefix}`;
      fake = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', 'bash', '-c', `exec -a "${title}" ${link} 60`], { stdio: 'ignore' });
      const pid = fake.pid!;
      expect(await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('nginx: master'), 5000)).toBe(true);
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('nginx');
      writeFileSync(s!.config, readFileSync(s!.config, 'utf8').replace(/pid-file: .*/, `pid-file: ${join(s!.dir, 'fake.pid')}`));
      writeFileSync(join(s!.dir, 'fake.pid'), `${pid}\n`);
      const r = await runBin(bins.certWrap, ['reload', '-c', s!.config]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`names process ${pid} ("nginx"), which is not nginx: refusing to signal it (it runs ${findTool('sleep')}`);
      await pause(300);
      // SIGHUP kills sleep: had it been signalled, it would be gone.
      expect(isProcessAlive(pid)).toBe(true);
      expect(fake.exitCode).toBeNull();
    });

    it("a real nginx master started by nobody is another user's nginx: not signalled", async () => {
      const theirs = await site({ runAs: 'nobody' });
      try {
        expect(readFileSync(`/proc/${theirs.nginx.pid}/status`, 'utf8')).toMatch(/^Uid:\s+65534\s/m);
        const count = sighups(theirs.nginx);
        const r = await runBin(bins.certWrap, ['reload', '-c', theirs.config]);
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toContain(`an nginx master owned by uid 65534, not by root: refusing to signal another user's nginx`);
        await pause(300);
        expect(sighups(theirs.nginx)).toBe(count);
      } finally {
        await theirs.stop();
      }
    });

    it("cert-wrap reload run by nobody says it needs root instead of blaming nginx's configuration", async () => {
      writeFileSync(s!.config, readFileSync(s!.config, 'utf8').replace(/pid-file: .*/, `pid-file: ${s!.nginx.pidFile}`));
      const count = sighups(s!.nginx);
      const r = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, bins.certWrap, 'reload', '-c', s!.config], {
        reject: false,
        env: { NO_COLOR: '1', CERT_WRAP_CACHE_DIR: join(s!.dir, 'no-cache') },
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`names process ${s!.nginx.pid}, which belongs to uid 0: cert-wrap runs as uid 65534 and may not inspect or signal it; run it as root`);
      expect(r.stderr).not.toContain('nginx -t');
      await pause(300);
      expect(sighups(s!.nginx)).toBe(count);
    });
  });
});
