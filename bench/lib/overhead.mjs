// 4. Wrapper overhead: `cert-wrap obtain` of one new certificate against
// Pebble, against the certbot command it runs (from `cert-wrap obtain
// --print` for a config that differs only in the certificate's name) run bare.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { shellWords, writeConfig } from './configs.mjs';
import { interleave } from './measure.mjs';
import { findTool } from './procs.mjs';
import { target } from './report.mjs';

/**
 * @param {{ caBundle: string, webroot: string, nginxPid: string, directoryUrl: string }} acme
 */
export async function overhead(ctx, acme) {
  const { runner, app, node } = ctx;
  const dir = path.join(ctx.tmp, 'obtain');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const certbot = findTool('certbot');
  const le = { config: path.join(dir, 'config'), work: path.join(dir, 'work'), logs: path.join(dir, 'logs') };
  const env = { ...process.env, REQUESTS_CA_BUNDLE: acme.caBundle };
  // One certificate with two names, like the first one of the bundled example.
  const configFor = (name) => {
    const file = path.join(dir, `${name}.yaml`);
    writeConfig(file, {
      certificates: [{ name, domains: [name, `www.${name}`] }],
      settings: {
        webroot: acme.webroot,
        email: null,
        server: acme.directoryUrl,
        'config-dir': le.config,
        'work-dir': le.work,
        'logs-dir': le.logs,
        'certs-dir': path.join(dir, 'certs'),
        certbot,
        nginx: { 'pid-file': acme.nginxPid, listen: ['127.0.0.1:80'] },
      },
    });
    return file;
  };
  const issued = (name) => existsSync(path.join(le.config, 'live', name, 'cert.pem'));
  const certName = (side, round) => `${side}${round < 0 ? `w${-round}` : round}.obtain.test`;

  const tasks = {
    bare: async (round) => {
      const n = certName('b', round);
      const printed = execFileSync(node, [app.certWrap, 'obtain', '--print', '-c', configFor(n)], { encoding: 'utf8' }).trim();
      const [cmd, ...args] = shellWords(printed);
      const m = await runner.run(cmd, args, { env, label: `bare ${printed}` });
      if (!issued(n)) throw new Error(`bare certbot exited 0 but issued no certificate for ${n}`);
      return m;
    },
    wrapped: async (round) => {
      const n = certName('w', round);
      const file = configFor(n);
      const resolve = [n, `www.${n}`].flatMap((d) => ['--resolve', `${d}:127.0.0.1`]);
      const m = await runner.run(node, [app.certWrap, 'obtain', '-c', file, ...resolve], { env, label: `cert-wrap obtain -c ${file}` });
      if (!issued(n)) throw new Error(`cert-wrap obtain exited 0 but issued no certificate for ${n}`);
      return m;
    },
  };
  const rounds = 7;
  ctx.log(`wrapper overhead: ${rounds} interleaved rounds of bare certbot and cert-wrap obtain, one new certificate each`);
  // The warm-up round registers certbot's account with Pebble (stored in the shared config dir).
  const r = await interleave(rounds, tasks);
  const ratio = r.wrapped.median / r.bare.median;
  return [
    {
      id: '4',
      what: '`cert-wrap obtain`, one new certificate (2 names), HTTP-01 preflight included',
      n: r.wrapped.n,
      value: r.wrapped.median,
      base: 'the certbot command from `cert-wrap obtain --print`, run bare',
      baseValue: r.bare.median,
      ratio,
      ratioText: `${ratio.toFixed(3)}x (${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%)`,
      rss: r.wrapped.rssMedianKB,
      baseRss: r.bare.rssMedianKB,
      target: target('overhead', 0.05, ratio - 1),
    },
  ];
}
