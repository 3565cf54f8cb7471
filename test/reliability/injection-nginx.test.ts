/**
 * The real `nginx -t` on what gen-nginx renders from hostile values: every
 * value of the fields that reach the output is generated again (same
 * arbitraries, a seed of its own), the accepted ones are rendered, and their
 * outputs go through nginx in batches (each member on its own ports), a
 * refused batch being split until the refused values stand alone.
 *
 * - Template values (names, paths, listen lines): nginx must accept them.
 * - certs-dir: nginx loads the certificate; under a directory of ours it must
 *   load it, elsewhere it must fail on exactly the path the value names.
 * - User-written directives (default-location body and uri, https body): nginx
 *   must accept the ones whose meaning it takes whatever their words (return,
 *   add_header, types, prefix locations); on the others it may refuse their
 *   meaning (unknown directive, wrong arguments), inside their own lines,
 *   never their structure.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslSelfSign } from '../../src/adapters/store/bootstrap.js';
import { loadTemplates, type Render } from '../../src/adapters/nginx/templates.js';
import { type NginxMember, type NginxRunner, ngxRead, nginxRunner, nginxTestMembers } from '../../lab/nginx-batch.js';
import { findTool, requireTools } from '../../lab/tools.js';
import { CERTS_ROOT, FIELDS, type FieldSpec, LEX_TOKENS, type MemberCtx, type NginxExpectation, type Outcome, Violation, checkValue, examplesFor, showShort } from './injection-fields.js';
import { printSeedOnFailure, stressSeed, stressSize } from '../../lab/stress.js';

const { ok } = requireTools(['nginx', 'openssl'], 'hostile config values against the real nginx -t');
const nginx = findTool('nginx') ?? 'nginx';
const seed = stressSeed();
printSeedOnFailure(seed);
const NGINX_FIELDS = FIELDS.filter((f) => f.inOutput);
const NGINX_RUNS = NGINX_FIELDS.reduce((n, f) => n + f.runs, 0);
const PAIR = join(CERTS_ROOT, 'pair');

let template: Render;
let runner: NginxRunner;
const stats: string[] = [];

/** Ports 20000 and up, two per member: a port-80 listen line and an HTTPS one. */
const ctxFor = (index: number): MemberCtx => ({ index, port: 20000 + 2 * index, httpsPort: 20001 + 2 * index });

/** The stable certificate paths nginx -t loads, for each HTTPS certificate whose directory is ours. */
function provideCertificates(outcome: Extract<Outcome, { kind: 'accepted' }>): void {
  for (const cert of outcome.config.certificates) {
    if (!cert.https) continue;
    const dir = join(outcome.config.certsDir, cert.name);
    if (outcome.nginx.kind === 'file-error' || !dir.startsWith(`${CERTS_ROOT}/`)) continue;
    mkdirSync(dir, { recursive: true });
    for (const file of ['fullchain.pem', 'privkey.pem']) {
      try {
        symlinkSync(join(PAIR, file), join(dir, file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }
}

/** nginx's messages about the structure of a text, as opposed to the meaning of a directive. */
const STRUCTURAL = /unexpected "|unexpected end of file|too long parameter/;

function judgeAlone(want: NginxExpectation, errors: string[], accepted: boolean): string | null {
  if (want.kind === 'file-error') {
    // nginx cuts its messages at 1024 bytes (NGX_MAX_CONF_ERRSTR): compare the start of the path.
    const start = want.message.slice(0, 100);
    return !accepted && errors[0]?.includes(start) ? null : `nginx should fail with '${showShort(want.message, 200)}', said ${showShort(errors.join(' | '), 300)}`;
  }
  if (want.kind === 'meaning') {
    if (accepted) return null;
    for (const e of errors) {
      if (STRUCTURAL.test(e)) return `nginx refused the structure: ${e}`;
      // Messages without a place (unknown variables) come after the whole file was read.
      const at = /:(\d+)$/.exec(e);
      const line = Number(at?.[1]);
      if (at && !(line >= want.firstLine && line <= want.lastLine)) return `nginx refused line ${line}, outside the user's lines ${want.firstLine}-${want.lastLine}: ${e}`;
      const unknown = /unknown directive "([^]*)" in /.exec(e);
      if (unknown && !want.names.includes(unknown[1]!)) return `nginx found a directive the checker did not see: ${e}`;
    }
    return null;
  }
  return accepted ? null : `nginx -t refused it: ${errors.join(' | ')}`;
}

beforeAll(async () => {
  if (!ok) return;
  template = await loadTemplates();
  runner = await nginxRunner(nginx);
  mkdirSync(PAIR, { recursive: true });
  await opensslSelfSign(PAIR, ['injection.test'], 2);
}, 60_000);

afterAll(() => {
  rmSync(CERTS_ROOT, { recursive: true, force: true });
  if (stats.length > 0) console.info(`nginx -t on hostile values (${runner.isolated ? 'in a network namespace of its own' : 'on the host network'}):\n${stats.join('\n')}`);
});

describe.skipIf(!ok)(`the real nginx -t on the outputs of ${NGINX_RUNS} hostile values per run (seed ${seed}; FC_SEED=${seed} replays it)`, () => {
  it.each(NGINX_FIELDS.map((f) => [f.label, f.runs, f] as const))(
    '%s: the accepted ones of %i hostile values give output nginx -t accepts (or refuses only where documented)',
    async (_label, runs, spec: FieldSpec) => {
      const fixed = examplesFor(spec).slice(0, spec.fixed);
      const values = [...fixed, ...fc.sample(spec.arb, { seed, numRuns: runs - fixed.length })];
      const batched: (NginxMember & { value: string })[] = [];
      const alone: { value: string; text: string; expect: NginxExpectation }[] = [];
      let failingInProcess = 0;
      values.forEach((value, index) => {
        let outcome: Outcome;
        try {
          outcome = checkValue(spec, value, ctxFor(index), template);
        } catch (err) {
          // Reported by injection-config.test.ts; nginx cannot judge a structure it accepts.
          if (err instanceof Violation) {
            failingInProcess++;
            return;
          }
          throw err;
        }
        if (outcome.kind !== 'accepted') return;
        provideCertificates(outcome);
        if (outcome.nginx.kind === 'accept') batched.push({ id: index, text: outcome.text, ports: outcome.ports, value });
        else alone.push({ value, text: outcome.text, expect: outcome.nginx });
      });

      const problems: string[] = [];
      const report = await nginxTestMembers(runner, batched);
      for (const r of report.refused) problems.push(`${showShort(values[r.id]!)}: nginx -t refused it: ${showShort(r.errors.join(' | '), 400)}`);
      const queue = [...alone];
      const worker = async () => {
        for (let m = queue.shift(); m; m = queue.shift()) {
          const verdict = await runner.check(m.text);
          const problem = judgeAlone(m.expect, verdict.errors, verdict.accepted);
          if (problem) problems.push(`${showShort(m.value)}: ${problem}`);
        }
      };
      await Promise.all([worker(), worker()]);

      const summary = `${runs} values: ${batched.length} accepted in ${report.batches} batches (${report.runs} nginx runs), ${alone.length} checked alone, ${failingInProcess} already failing in-process; seed ${seed}`;
      stats.push(`  ${spec.label.padEnd(48)} ${summary.replace(/; seed -?\d+$/, '')}`);
      expect(problems.slice(0, 10), `${summary}; ${problems.length} refused`).toEqual([]);
    },
    120_000,
  );
});

// The reference reader is the oracle of the properties above: it must read as nginx does.
const ORACLE_RUNS = stressSize('INJECTION_ORACLE_RUNS', 200);

describe.skipIf(!ok)(`the reference reader (lab/nginx-batch.ts) against nginx 1.22 itself (seed ${seed})`, () => {
  it(`agrees with nginx on ${ORACLE_RUNS} token strings inside a types block (where nginx takes any simple directive): both accept, or both refuse with the same message on the same line`, async () => {
    // A types block takes any simple directive, so only the reading can fail; no bare "}" closes it early.
    const tokens = LEX_TOKENS.filter((t) => !t.startsWith('}'));
    const texts = fc.sample(fc.array(fc.constantFrom(...tokens, '"{"', "'}'", 'a{b', 'x'.repeat(4100)), { minLength: 1, maxLength: 25 }), { seed, numRuns: ORACLE_RUNS });
    const problems: string[] = [];
    const queue = texts.map((t) => `server {\n    listen 127.0.0.1:20000;\n    location / {\n        types {\n${t.join('')}\n        }\n    }\n}\n`);
    const worker = async () => {
      for (let text = queue.shift(); text !== undefined; text = queue.shift()) {
        const ours = ngxRead(text, ['types']);
        const expected = ours.ok ? null : `${ours.error} in <dir>/servers.conf:${ours.line}`;
        const verdict = await runner.check(text);
        const said = verdict.accepted ? null : (verdict.errors[0] ?? '').replace(/^nginx: \[emerg\] /, '');
        if (said !== expected) problems.push(`${showShort(text)}: reference ${JSON.stringify(expected)}, nginx ${JSON.stringify(said)}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(problems.slice(0, 10), `${problems.length} of ${ORACLE_RUNS} disagree`).toEqual([]);
  }, 120_000);
});
