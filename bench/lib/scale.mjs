// 2. Scale: gen-nginx on generated configs of 1,000 / 10,000 / 100,000
// certificates (3 names each), and `nginx -t` on the 10,000-certificate output.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeConfig } from './configs.mjs';
import { interleave, Stopped } from './measure.mjs';
import { fmtMB, fmtTime, target } from './report.mjs';
import { lab } from './lab.mjs';
import { findTool } from './procs.mjs';

export async function scale(ctx) {
  const { runner, app, node } = ctx;
  const dir = path.join(ctx.tmp, 'scale');
  mkdirSync(dir, { recursive: true });
  const sizes = ctx.quick ? [1000, 10000] : [1000, 10000, 100000];
  const rounds = ctx.quick ? 3 : 5;
  const tasks = {};
  const outputs = {};
  for (const n of sizes) {
    const cfg = writeConfig(path.join(dir, `site-${n}.yaml`), { n });
    outputs[n] = path.join(dir, `out-${n}.conf`);
    tasks[n] = () => runner.run(node, [app.genNginx, cfg], { stdoutFile: outputs[n], label: `gen-nginx (${n} certificates)` });
  }
  if (!ctx.quick) {
    // The same 10,000 certificates as JSON: how much of the time is YAML parsing.
    const json = writeConfig(path.join(dir, 'site-10000.json'), { n: 10000, format: 'json' });
    tasks.json = () => runner.run(node, [app.genNginx, json], { stdoutFile: path.join(dir, 'out-json.conf'), label: 'gen-nginx (10000, JSON)' });
  }
  ctx.log(`scale: ${rounds} interleaved rounds of ${sizes.join(', ')} certificates${ctx.quick ? '' : ' (and 10,000 as JSON)'}`);
  // The configs were just written (in the page cache): quick mode skips the warm-up round.
  const r = await interleave(rounds, tasks, { warmup: ctx.quick ? 0 : 1 });
  const servers = (n) => (readFileSync(outputs[n], 'utf8').match(/^\s*server_name /gm) ?? []).length;
  for (const n of sizes) if (servers(n) !== n) throw new Error(`gen-nginx printed ${servers(n)} servers for ${n} certificates`);

  const rows = [];
  const fmtN = (n) => n.toLocaleString('en-US');
  const row = (n, extra) => ({ id: '2', what: `\`gen-nginx\`, ${fmtN(n)} certificates (YAML)`, n: r[n].n, value: r[n].median, rss: r[n].rssMedianKB, ...extra });
  rows.push(row(1000, {}));
  const ten = r[10000];
  const linear10 = ten.median / r[1000].median;
  rows.push(row(10000, {
    base: '1,000 certificates',
    baseValue: r[1000].median,
    ratio: linear10,
    // Quick mode has no 100,000 run: the 10,000/1,000 ratio stands in for linearity.
    target: ctx.quick ? target('ratio', 10.5, linear10, '≤ 10.5x (linear)') : target('seconds', 1.0, ten.median / 1000),
  }));
  if (ctx.quick) rows.push({ id: '2', what: '`gen-nginx`, 10,000 certificates: wall time', n: ten.n, value: ten.median, rss: ten.rssMedianKB, target: target('seconds', 1.0, ten.median / 1000) });
  rows.push({ id: '2', what: '`gen-nginx`, 10,000 certificates: peak memory', n: ten.n, valueText: fmtMB(ten.rssMedianKB), rss: ten.rssMedianKB, target: target('mb', 256, ten.rssMedianKB / 1024) });
  if (!ctx.quick) {
    const big = r[100000];
    rows.push(row(100000, { base: '10,000 certificates', baseValue: ten.median, ratio: big.median / ten.median, target: target('ratio', 10.5, big.median / ten.median, '≤ 10.5x (linear)') }));
    rows.push({ id: '2', what: '`gen-nginx`, 10,000 certificates as JSON', n: r.json.n, value: r.json.median, base: 'the same as YAML', baseValue: ten.median, ratio: r.json.median / ten.median, rss: r.json.rssMedianKB, baseRss: ten.rssMedianKB });
  }
  rows.push(await nginxCheck(ctx, outputs[10000], path.join(dir, 'nginx-t')));
  return rows;
}

/** `nginx -t` on the 10,000-certificate output, in a throwaway main config of its own. */
async function nginxCheck(ctx, servers, dir) {
  const nginx = findTool('nginx');
  const what = '`nginx -t` on the 10,000-certificate output';
  if (nginx === null) return { id: '2', what, valueText: 'nginx missing', target: { text: 'passes', status: 'FAIL', kind: 'check', limit: 0, measured: NaN } };
  // The lab's main config (lab/nginx.ts), as the tests write it, with room for 30,000 names.
  for (const sub of ['nginx/tmp', 'run', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true });
  const conf = path.join(dir, 'nginx', 'nginx.conf');
  const errorLog = path.join(dir, 'logs', 'nginx-error.log');
  writeFileSync(conf, lab.nginxConfText({ dir, serversConf: servers, extraHttp: '    server_names_hash_max_size 131072;' }));
  ctx.log('nginx -t on the 10,000-certificate output');
  let m;
  let ok = true;
  let message = '';
  try {
    m = await ctx.runner.run(nginx, ['-t', '-q', '-c', conf, '-p', `${path.join(dir, 'nginx')}/`, '-e', errorLog], { label: 'nginx -t' });
  } catch (err) {
    if (err instanceof Stopped) throw err;
    ok = false;
    message = err.message.split('\n').slice(1).join(' ').trim();
  }
  return {
    id: '2',
    what,
    n: 1,
    valueText: ok ? `passes, ${fmtTime(m.ms)}` : `fails: ${message.slice(0, 200)}`,
    rss: m?.rssKB,
    target: { text: 'passes', status: ok ? 'PASS' : 'GROSS', kind: 'check', limit: 0, measured: ok ? 0 : 1 },
  };
}
