/**
 * Every string field of the config against hostile values, in-process: each
 * value is rejected with an issue at its own path, or rendered into nginx text
 * that holds exactly the templates' directives and into a certbot argv that is
 * exactly the documented flags. The real `nginx -t` side is in
 * injection-nginx.test.ts; the shell side in injection-shell.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Render } from '../../src/adapters/nginx/templates.js';
import { loadTemplates } from '../../src/adapters/nginx/templates.js';
import { bins, runBin, writeConfig } from '../../lab/cli.js';
import { FIELDS, type FieldSpec, type MemberCtx, TOTAL_RUNS, Violation, baselineText, checkValue, configText, examplesFor, shortReport } from './injection-fields.js';
import { printSeedOnFailure, stressSeed } from '../../lab/stress.js';

const seed = stressSeed();
printSeedOnFailure(seed);

const ctx: MemberCtx = { index: 0, port: 20000, httpsPort: 20001 };
let template: Render;
let baseline: string;
const stats: { label: string; runs: number; accepted: number; rejected: number; outsideNginxConf: number }[] = [];

beforeAll(async () => {
  template = await loadTemplates();
  baseline = baselineText(ctx, template);
});

afterAll(() => {
  if (stats.length === 0) return;
  const rows = stats.map((s) => `  ${s.label.padEnd(48)} ${String(s.runs).padStart(4)} runs: ${String(s.rejected).padStart(4)} rejected, ${String(s.accepted).padStart(4)} accepted (${s.outsideNginxConf} beyond nginx-conf's dialect)`);
  console.info(`hostile config values, fields that passed (${stats.reduce((n, s) => n + s.runs, 0)} values):\n${rows.join('\n')}`);
});

/** Fixed attempts first (at most a quarter of the field's full size), then generated values. */
function fixedExamples(spec: FieldSpec): [string][] {
  return examplesFor(spec)
    .slice(0, spec.fixed)
    .map((e) => [e]);
}

describe(`hostile values in every string field of the config (${TOTAL_RUNS} per run)`, () => {
  it.each(FIELDS.map((f) => [f.label, f.runs, f] as const))(
    '%s: %i hostile values are each rejected naming the field, or rendered to exactly the templates\' directives and passed to certbot exactly',
    (label, runs, spec) => {
      const row = { label, runs, accepted: 0, rejected: 0, outsideNginxConf: 0 };
      fc.assert(
        fc.property(spec.arb, (value) => {
          const outcome = checkValue(spec, value, ctx, template, baseline);
          if (outcome.kind === 'rejected') row.rejected++;
          else {
            row.accepted++;
            if (outcome.outsideNginxConfDialect) row.outsideNginxConf++;
          }
        }),
        { numRuns: runs, seed, examples: fixedExamples(spec), reporter: shortReport },
      );
      stats.push(row);
    },
    120_000,
  );
});

const CLI_SAMPLE = 50;

describe('the real gen-nginx on rejected values', () => {
  it(`exits 2 with one message line per problem naming the file, line and field, and prints nothing (${CLI_SAMPLE} rejected values, 1-2 per field)`, async () => {
    const perField: { spec: FieldSpec; text: string }[][] = [];
    for (const spec of FIELDS) {
      const picked: { spec: FieldSpec; text: string }[] = [];
      for (const value of [...fc.sample(spec.arb, { seed, numRuns: 100 }), ...examplesFor(spec)]) {
        if (picked.length === 2) break;
        try {
          if (checkValue(spec, value, ctx, template, baseline).kind !== 'rejected') continue;
        } catch (err) {
          if (err instanceof Violation) continue;
          throw err;
        }
        picked.push({ spec, text: configText(spec.build(value, ctx)) });
      }
      perField.push(picked);
    }
    // All fields' first values, then second ones, up to the sample size.
    const sample = [...perField.map((p) => p[0]), ...perField.map((p) => p[1])].filter((p) => p !== undefined).slice(0, CLI_SAMPLE);
    expect(sample).toHaveLength(CLI_SAMPLE);
    const problems: string[] = [];
    const queue = [...sample];
    const worker = async () => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const file = writeConfig(p.text);
        const r = await runBin(bins.genNginx, [file]);
        // One problem: "gen-nginx: FILE:LINE: PATH: message"; several: a heading, then "  FILE:LINE: PATH: message" each.
        const lines = r.stderr.split('\n').filter((l) => l !== '' && !/^gen-nginx: \S+ is not valid \(\d+ problems\):$/.test(l));
        const named = lines.length > 0 && lines.every((l) => l.replace(/^(gen-nginx: | {2})\S*site\.yaml:\d+: /, '').startsWith(`${p.spec.path}: `) && /site\.yaml:\d+: /.test(l));
        if (r.exitCode !== 2 || r.stdout !== '' || !named) {
          problems.push(`${p.spec.label}: exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout.slice(0, 80))}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(problems).toEqual([]);
  }, 120_000);
});
