#!/usr/bin/env node
// Benchmarks of gen-nginx and cert-wrap: node bench/run.mjs [--quick] [--only fleet|renewal|obtain] [--output FILE] [--verbose]
//
// Full mode prints one markdown table and writes it to BENCHMARKS.md; it exits
// 0 even when a target is missed (the table says FAIL). Quick mode (CI) uses
// fewer runs and smaller sizes, skips the parts that need Pebble, writes no
// file unless --output is given, and exits 1 only when a figure misses its
// target by more than 3x. --only fleet|renewal|obtain measures that part alone
// and, like quick mode, writes no file unless --output is given. Exit 2: the benchmark
// could not run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAcme } from './lib/acme.mjs';
import { buildAndSnapshot } from './lib/build.mjs';
import { fleetRows } from './lib/fleet-rows.mjs';
import { machineLine } from './lib/machine.mjs';
import { MEMORY_METHOD, Runner, Stopped } from './lib/measure.mjs';
import { overhead } from './lib/overhead.mjs';
import { findTool } from './lib/procs.mjs';
import { prepareRenewal, renewal, LINEAGES } from './lib/renewal.mjs';
import { GROSS_FACTOR, methodNotes, missText, renderDocument, renderTable } from './lib/report.mjs';
import { scale } from './lib/scale.mjs';
import { startup } from './lib/startup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PORT_WAIT_MS = 5 * 60_000;

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    output: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('usage: node bench/run.mjs [--quick] [--only fleet|renewal|obtain] [--output FILE] [--verbose]\n' +
    '  full mode writes BENCHMARKS.md (or FILE); --quick writes only FILE, and exits 1 on a >3x regression;\n' +
    '  --only PART measures only the fleet rows (etcd), the renewal rows or the obtain overhead, in full or quick mode, and writes only FILE;\n' +
    '  --verbose logs every run (wall time, peak RSS, command) on stderr\n');
  process.exit(0);
}
const ONLY = ['fleet', 'renewal', 'obtain'];
if (opts.only !== undefined && !ONLY.includes(opts.only)) {
  process.stderr.write(`bench: --only ${JSON.stringify(opts.only)}: the parts that can run alone are ${ONLY.join(', ')}\n`);
  process.exit(2);
}
const quick = opts.quick;
const only = opts.only ?? null;
// A partial table never replaces BENCHMARKS.md by itself.
const output = opts.output ?? (quick || only !== null ? null : path.join(root, 'BENCHMARKS.md'));
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
/** Run one part of the benchmark and log how long it took. */
async function timed(name, fn) {
  const t = performance.now();
  const out = await fn();
  log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return out;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cert-wrap-bench-'));
// nginx workers run as nobody: they must reach the webroots under here.
chmodSync(tmp, 0o755);
// cert-wrap's private cache (parsed configs, certificate dates) in the temp dir, as on a host that
// runs only these configs: not the machine's own /var/cache/cert-wrap, which other runs may have filled.
process.env.CERT_WRAP_CACHE_DIR = path.join(tmp, 'cert-wrap-cache');
mkdirSync(process.env.CERT_WRAP_CACHE_DIR, { mode: 0o700 });
// Everything started here is stopped by cleanup(): the command being measured
// (through the runner), then Pebble, challtestsrv and nginx (registered as
// soon as each is started), then the temp dir goes.
const stops = [];
let runner = null;
let cleaned = null;
function cleanup() {
  cleaned ??= (async () => {
    try {
      await runner?.stop();
      for (const stop of stops.reverse()) await stop().catch((err) => log(`while stopping: ${err.message}`));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  })();
  return cleaned;
}
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    log(`${signal}: stopping what the benchmark started`);
    cleanup().finally(() => process.exit(code));
  });
}

async function main() {
  const started = new Date();
  const t0 = performance.now();
  for (const tool of ['python3', 'openssl', 'nginx', 'certbot']) {
    if (findTool(tool) === null) throw new Error(`${tool} not found: apt-get install -y nginx certbot pebble (python3 and openssl come with certbot)`);
  }
  let machine = machineLine(started);
  log(`${quick ? 'quick' : 'full'} mode${only ? `, only the ${only} rows` : ''}; temp dir ${tmp}`);
  log('building (node scripts/build.mjs)');
  const app = await timed('build', () => buildAndSnapshot(root, path.join(tmp, 'app'), log));
  runner = new Runner(tmp, opts.verbose ? (line) => log(`run ${line}`) : undefined);
  const ctx = { quick, tmp, app, node: process.execPath, runner, log };

  const rows = only === 'fleet' ? await timed('fleet', () => fleetRows(ctx, root, (stop) => stops.push(stop))) : await allRows(ctx, only);
  return report(rows, { t0, machine });
}

/** Every row, in the table's order; with `only` ('renewal', 'obtain'), that part alone. */
async function allRows(ctx, only) {
  const rows = [];
  if (only === null) {
    rows.push(...(await timed('start-up', () => startup(ctx))));
    rows.push(...(await timed('scale', () => scale(ctx))));
    rows.push(...(await timed('fleet', () => fleetRows(ctx, root, (stop) => stops.push(stop)))));
  }

  const directoryUrl = 'https://127.0.0.1:14000/dir';
  log(`making ${LINEAGES} certbot lineages`);
  const prep = only === 'obtain' ? null : await timed('lineages', () => prepareRenewal(ctx, directoryUrl));
  let acme = null;
  if (!quick) {
    log('starting Pebble and nginx on loopback');
    acme = await startAcme(tmp, { waitMs: PORT_WAIT_MS, log, track: (stop) => stops.push(stop) });
  }
  if (prep !== null) rows.push(...(await timed('renewal', () => renewal(ctx, prep, acme))));
  if (only === 'renewal') {
    // that part alone
  } else if (acme !== null) {
    rows.push(...(await timed('wrapper overhead', () => overhead(ctx, acme))));
  } else {
    rows.push({
      id: '4',
      what: '`cert-wrap obtain` vs the same certbot command run bare',
      valueText: quick ? 'not run in quick mode (needs Pebble)' : 'not measured (Pebble unavailable, see the log)',
      target: null,
    });
  }
  await acme?.stop();
  return rows;
}

/** The table on stdout, the document in `output`; the exit code. */
function report(rows, { t0, machine }) {
  const table = renderTable(rows, { quick });
  const failed = rows.filter((r) => r.target && r.target.status !== 'PASS');
  const gross = failed.filter((r) => r.target.status === 'GROSS');
  const failures = failed.map((r) => `${r.what}: ${r.target.kind === 'check' ? 'fails' : missText(r.target)}`);
  const notes = methodNotes({ lineages: LINEAGES, memoryMethod: MEMORY_METHOD });
  const seconds = (performance.now() - t0) / 1000;
  machine = `${machine}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`;
  process.stdout.write(`\nMachine: ${machine}\n\n${table}\n`);
  if (failures.length === 0) process.stdout.write('All targets met.\n');
  else process.stdout.write(`Targets missed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
  if (output) {
    writeFileSync(output, renderDocument({ table, machine, quick, notes, failures, seconds }));
    log(`wrote ${output}`);
  }
  log(`done in ${seconds.toFixed(0)} s`);
  if (quick && gross.length > 0) {
    process.stdout.write(`Quick mode: ${gross.length} target(s) missed by more than ${GROSS_FACTOR}x: failing.\n`);
    return 1;
  }
  return 0;
}

let code;
try {
  code = await main();
} catch (err) {
  if (err instanceof Stopped) await new Promise(() => {}); // a signal handler is cleaning up and exits
  log(`cannot run the benchmark: ${err instanceof Error ? err.message : String(err)}`);
  code = 2;
}
await cleanup();
process.exit(code);
