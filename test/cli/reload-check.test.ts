/**
 * obtain and renew check, before ordering anything, that nginx can be
 * reloaded at the end; --no-reload is for hosts where something else does.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bins, repoRoot, runBin, writeConfig } from '../../lab/cli.js';
import { requireTools } from '../../lab/tools.js';

const fake = join(repoRoot, 'lab', 'fake-certbot.sh');
const { ok } = requireTools(['nginx'], 'the reload check before ordering (it runs nginx -V and nginx -T)');

/** A config whose nginx keys are `nginx` (YAML lines), a certbot stand-in that logs each run, nothing else on disk. */
function setup(nginx: (dir: string) => string) {
  const file = writeConfig('placeholder');
  const dir = dirname(file);
  mkdirSync(join(dir, 'webroot'));
  writeFileSync(
    file,
    `webroot: ${dir}/webroot\ncertbot: ${fake}\nconfig-dir: ${dir}/le\ncerts-dir: ${dir}/certs\nnginx:\n${nginx(dir)}certificates:\n  - domains: [a.test]\n`,
  );
  const log = join(dir, 'certbot-calls.log');
  return { file, dir, log, env: { FAKE_CERTBOT_LOG: log } };
}

describe.skipIf(!ok)('nginx must be reloadable before anything is ordered', () => {
  it.each(['obtain', 'renew'])('%s with a pid file that does not exist: exit 2, certbot never ran, nothing created, says what to set', async (command) => {
    const s = setup((d) => `  pid-file: ${d}/run/nginx.pid\n`);
    const r = await runBin(bins.certWrap, [command, '--no-preflight', '-c', s.file], { env: s.env });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'cert-wrap: cannot start: nginx could not be reloaded after issuing, so nothing was ordered:',
        `  - pid file ${s.dir}/run/nginx.pid does not exist: is nginx running, and is nginx.pid-file the path of its "pid" directive?`,
        '  start nginx, or set nginx.pid-file to the file its "pid" directive names; or pass --no-reload if something else reloads nginx',
        '',
      ].join('\n'),
    );
    expect(existsSync(s.log)).toBe(false);
    expect(readdirSync(s.dir).sort()).toEqual(['site.yaml', 'webroot']);
  });

  it('the pid file found through the pid directive of nginx.conf-file (nginx -T) is named with where it came from', async () => {
    const s = setup((d) => {
      mkdirSync(join(d, 'nginx'));
      writeFileSync(join(d, 'nginx', 'nginx.conf'), `pid ${d}/nginx/nginx.pid;\nerror_log ${d}/nginx/error.log;\nevents {}\n`);
      return `  conf-file: ${d}/nginx/nginx.conf\n`;
    });
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '-c', s.file], { env: s.env });
    expect(r.exitCode).toBe(2);
    // nginx -T itself leaves an empty pid file behind when nginx is not running.
    expect(r.stderr).toContain(`pid file ${s.dir}/nginx/nginx.pid is empty: is nginx running?`);
    expect(r.stderr).toContain(`(the pid file was found from pid directive in ${s.dir}/nginx/nginx.conf; set nginx.pid-file if nginx writes another one)`);
    expect(existsSync(s.log)).toBe(false);
    expect(existsSync(join(s.dir, 'le'))).toBe(false);
  });

  it('--no-reload: no check, certbot runs, and the summary says nginx was not reloaded by cert-wrap', async () => {
    const s = setup((d) => `  pid-file: ${d}/run/nginx.pid\n`);
    const r = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '-c', s.file], { env: s.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(s.log)).toBe(true);
    expect(r.stdout).toContain('nginx was not reloaded by cert-wrap (--no-reload): reload it yourself to serve new certificates');
    const json = await runBin(bins.certWrap, ['obtain', '--no-preflight', '--no-reload', '--json', '-c', s.file], { env: s.env });
    expect(JSON.parse(json.stdout).reload).toEqual({ attempted: false, ok: true, skipped: true, message: expect.stringContaining('--no-reload') });
  });

  it('a deploy under --no-reload leaves no reload pending (something else reloads nginx)', async () => {
    const s = setup((d) => `  pid-file: ${d}/run/nginx.pid\n`);
    const r = await runBin(bins.certWrap, ['deploy-hook', '-c', s.file], {
      env: { RENEWED_LINEAGE: join(s.dir, 'le', 'live', 'a.test'), RENEWED_DOMAINS: 'a.test', CERT_WRAP_DEFER_RELOAD: 'no-reload' },
    });
    expect(r.stdout).toContain('nginx is not reloaded by cert-wrap (--no-reload)');
    expect(existsSync(join(s.dir, 'certs', 'reload-pending'))).toBe(false);
  });
});
