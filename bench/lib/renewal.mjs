// 3. Renewal with nothing due, 100 lineages: `cert-wrap renew` against
// `certbot renew` on the same directories, and against one
// `certbot certonly -n` per certificate (what the Guix service runs; needs the
// ACME server, since certonly asks the CA even when nothing is due).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { namesOf, shellWords, writeConfig } from './configs.mjs';
import { makeLineages } from './lineages.mjs';
import { interleave, median } from './measure.mjs';
import { findTool } from './procs.mjs';
import { target } from './report.mjs';

export const LINEAGES = 100;
const DAY = 86_400_000;

/**
 * Debian's cron gives a job HOME, LOGNAME, SHELL=/bin/sh and PATH=/usr/bin:/bin; cert-wrap's private
 * cache stays the benchmark's own directory (see run.mjs).
 */
function cronEnv() {
  const user = process.env.LOGNAME ?? process.env.USER ?? 'root';
  return { HOME: process.env.HOME ?? '/root', LOGNAME: user, SHELL: '/bin/sh', PATH: '/usr/bin:/bin', CERT_WRAP_CACHE_DIR: process.env.CERT_WRAP_CACHE_DIR };
}

/** Lineages and configs, made once (before the ACME server is needed). */
export function prepareRenewal(ctx, directoryUrl) {
  const certbot = findTool('certbot');
  if (certbot === null) throw new Error('certbot not found (apt-get install -y certbot)');
  const dir = path.join(ctx.tmp, 'renewal');
  const le = { config: path.join(dir, 'config'), work: path.join(dir, 'work'), logs: path.join(dir, 'logs') };
  const webroot = path.join(dir, 'webroot');
  for (const d of [...Object.values(le), webroot]) mkdirSync(d, { recursive: true });
  chmodSync(dir, 0o755);
  const lineages = Array.from({ length: LINEAGES }, (_, i) => ({ name: namesOf('r', i)[0], domains: namesOf('r', i) }));
  const now = Date.now();
  // 90-day certificates issued a day ago: far from due for certbot (30 days) and for cert-wrap (1/3 of the lifetime).
  makeLineages(le.config, lineages, { notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY), webroot, server: directoryUrl });
  const dirArgs = ['--config-dir', le.config, '--work-dir', le.work, '--logs-dir', le.logs];

  // certbot must read every lineage, or `certbot renew` would be timed skipping broken ones.
  const listing = execFileSync(certbot, ['certificates', ...dirArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const found = (listing.match(/Certificate Name: /g) ?? []).length;
  const valid = (listing.match(/\(VALID: \d+ days\)/g) ?? []).length;
  if (found !== LINEAGES || valid !== LINEAGES) throw new Error(`certbot certificates lists ${found} certificates (${valid} valid), expected ${LINEAGES}:\n${listing.slice(0, 2000)}`);

  const config = writeConfig(path.join(dir, 'renew.yaml'), {
    n: LINEAGES,
    prefix: 'r',
    named: true,
    settings: {
      webroot,
      email: null,
      server: directoryUrl,
      'config-dir': le.config,
      'work-dir': le.work,
      'logs-dir': le.logs,
      'certs-dir': path.join(dir, 'certs'),
      certbot,
    },
  });
  return { dir, le, dirArgs, config, certbot, lineages, listed: found };
}

/**
 * @param {ReturnType<typeof prepareRenewal>} prep
 * @param {null | { caBundle: string }} acme the running ACME server, or null (the per-certificate runs are then not measured)
 */
export async function renewal(ctx, prep, acme) {
  const { runner, app, node } = ctx;
  // Full mode: 5 rounds of 20 certonly runs cover each of the 100 certificates once.
  const rounds = ctx.quick ? 3 : 5;
  // Both renewals run with cron's environment, as the schedule runs them (and without what the benchmark's own
  // environment may hold, such as a NODE_EXTRA_CA_CERTS that Node would read at every start).
  const env = cronEnv();
  const tasks = {
    cw: () => runner.run(node, [app.certWrap, 'renew', '-c', prep.config, '--no-preflight'], { env, label: 'cert-wrap renew' }),
    certbot: () => runner.run(prep.certbot, ['renew', '--no-random-sleep-on-renew', ...prep.dirArgs], { env, label: 'certbot renew' }),
  };

  // Nothing may be due: check once what each side did.
  const cw = await runner.run(node, [app.certWrap, 'renew', '-c', prep.config, '--no-preflight', '--json'], {
    env,
    stdoutFile: path.join(prep.dir, 'cw-renew.json'),
    label: 'cert-wrap renew --json',
  });
  const summary = JSON.parse(cw.stdout);
  const unchanged = summary.certificates.filter((c) => c.outcome === 'unchanged').length;
  if (unchanged !== LINEAGES || summary.renewed) throw new Error(`cert-wrap renew: ${unchanged} of ${LINEAGES} certificates unchanged, expected all`);
  const cb = await runner.run(prep.certbot, ['renew', '--no-random-sleep-on-renew', ...prep.dirArgs], { env, stdoutFile: path.join(prep.dir, 'certbot-renew.out') });
  const said = cb.stdout + runner.lastStderr();
  const skipped = (said.match(/\(skipped\)/g) ?? []).length;
  if (skipped !== LINEAGES || !said.includes('No renewals were attempted')) {
    throw new Error(`certbot renew skipped ${skipped} of ${LINEAGES} lineages as not due, expected all:\n${said.slice(-1500)}`);
  }

  // The per-certificate commands as `cert-wrap obtain --print --force` gives them for this config,
  // without the --force-renewal that --force adds: certbot decides itself, as in the Guix service.
  // (Plain --print shows only a comment for a certificate that is not due.)
  let perCert = null;
  const batch = ctx.quick ? 0 : 20;
  if (acme !== null && batch > 0) {
    const printed = execFileSync(node, [app.certWrap, 'obtain', '--print', '--force', '-c', prep.config], { encoding: 'utf8' }).trim().split('\n');
    if (printed.length !== LINEAGES || printed.some((l) => l.startsWith('#'))) throw new Error(`cert-wrap obtain --print --force printed ${printed.length} lines, expected ${LINEAGES} commands:\n${printed.slice(0, 3).join('\n')}`);
    const commands = printed.map(shellWords).map((argv) => {
      const i = argv.indexOf('--force-renewal');
      if (i < 0) throw new Error(`cert-wrap obtain --print --force: no --force-renewal in ${argv.join(' ')}`);
      return argv.toSpliced(i, 1);
    });
    const env = { ...process.env, REQUESTS_CA_BUNDLE: acme.caBundle };
    const runOne = async (i, label) => {
      const [cmd, ...args] = commands[i % LINEAGES];
      const m = await runner.run(cmd, args, { env, label, stdoutFile: path.join(prep.dir, 'certonly.out') });
      const text = m.stdout + runner.lastStderr();
      if (!/not yet due for renewal/i.test(text)) throw new Error(`${label}: certbot did not report "not yet due":\n${text.slice(-1500)}`);
      return m;
    };
    perCert = { batch, commands };
    // Warm-up: one run, which also registers certbot's account with the CA.
    await runOne(0, 'certbot certonly (warm-up)');
    tasks.perCert = async (round) => {
      // Round r runs certificates [r*batch, (r+1)*batch) (mod 100): successive rounds cover all of them.
      const runs = [];
      for (let k = 0; k < batch; k++) runs.push(await runOne(round * batch + k, `certbot certonly #${round * batch + k}`));
      return { ms: runs.reduce((s, m) => s + m.ms, 0), rssKB: Math.max(...runs.map((m) => m.rssKB)) };
    };
  }
  ctx.log(`renewal: ${rounds} interleaved rounds of cert-wrap renew, certbot renew${perCert ? `, ${batch} of the ${LINEAGES} certbot certonly runs` : ''}`);
  // The checks above were the warm-up of both renew commands.
  const r = await interleave(rounds, tasks, { warmup: 0 });

  const ratio = r.cw.median / r.certbot.median;
  const rows = [
    {
      id: '3',
      what: `\`cert-wrap renew --no-preflight\`, ${LINEAGES} lineages, none due`,
      n: r.cw.n,
      value: r.cw.median,
      base: '`certbot renew --no-random-sleep-on-renew`',
      baseValue: r.certbot.median,
      ratio,
      rss: r.cw.rssMedianKB,
      baseRss: r.certbot.rssMedianKB,
      target: target('ratio', 1 / 5, ratio, '≤ 0.20x (1/5)'),
    },
  ];
  if (perCert) {
    const scaleBy = LINEAGES / perCert.batch;
    const scaled = r.perCert.median * scaleBy;
    rows.push({
      id: '3',
      what: `\`cert-wrap renew\`, same`,
      n: r.cw.n,
      value: r.cw.median,
      base: `${LINEAGES} sequential \`certbot certonly -n\`, one per certificate`,
      baseValue: scaled,
      ratio: r.cw.median / scaled,
      rss: r.cw.rssMedianKB,
      baseRss: r.perCert.rssMedianKB,
      target: target('ratio', 1 / 50, r.cw.median / scaled, '≤ 0.020x (1/50)'),
      note: `certonly: ${perCert.batch} per round, a different ${perCert.batch} each round, round sum x ${scaleBy}; ${Math.round(median(r.perCert.ms) / perCert.batch)} ms per run`,
    });
  } else {
    rows.push({
      id: '3',
      what: '`cert-wrap renew` vs 100 sequential `certbot certonly -n`',
      valueText: ctx.quick ? 'not run in quick mode (needs Pebble)' : 'not measured (Pebble unavailable)',
      target: null,
    });
  }
  return rows;
}
