// 1. Start-up: whole-process wall time of small commands against `node -e 0`.
import { interleave } from './measure.mjs';
import { target } from './report.mjs';

export async function startup(ctx) {
  const { runner, app, node } = ctx;
  const rounds = ctx.quick ? 5 : 15;
  ctx.log(`start-up: ${rounds} interleaved rounds`);
  const cmd = (args, label) => () => runner.run(node, args, { label });
  const r = await interleave(rounds, {
    floor: cmd(['-e', '0'], 'node -e 0'),
    gen: cmd([app.genNginx, app.example], 'gen-nginx examples/site.yaml'),
    help: cmd([app.certWrap, '--help'], 'cert-wrap --help'),
    status: cmd([app.certWrap, 'status', '-c', app.example], 'cert-wrap status'),
  });
  const row = (what, m, t) => ({
    id: '1',
    what,
    n: m.n,
    value: m.median,
    base: '`node -e 0`',
    baseValue: r.floor.median,
    ratio: m.median / r.floor.median,
    rss: m.rssMedianKB,
    baseRss: r.floor.rssMedianKB,
    target: t,
  });
  const genRatio = r.gen.median / r.floor.median;
  return [
    row('`gen-nginx examples/site.yaml`', r.gen, target('ratio', 1.5, genRatio, '≤ 1.5x')),
    row('`cert-wrap --help`', r.help, null),
    row('`cert-wrap status -c examples/site.yaml`', r.status, null),
  ];
}
