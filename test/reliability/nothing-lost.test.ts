/**
 * Nothing is lost when a writer is killed: `gen-nginx --output`, the metrics
 * writer (`cert-wrap status --metrics`) and the deploy copies (`cert-wrap
 * deploy-hook`) are SIGKILLed at random moments, and after every kill each
 * target must be byte for byte either its complete old content or the complete
 * new one.
 *
 * The outputs are large (1 to 3 MB) so that writing them takes a measurable
 * time (5 to 20 ms here, mostly the fsync). Each writer is first run to completion to measure how long it takes,
 * when its temporary file appears and when it is renamed into place, and to
 * record the new content. Then:
 *  - NOTHING_LOST_UNIFORM_KILLS (default 8) kills after a delay drawn
 *    uniformly in [0, 1.2 x duration] from the start of the process (the write
 *    is a small part of a run: most of these land before it);
 *  - NOTHING_LOST_TARGETED_KILLS (default 8) more kills after a delay drawn
 *    uniformly in [0, 1.2 x write window] from the moment the temporary file
 *    appears (inotify, through fs.watch), so that a good share of the kills
 *    hit the write itself;
 *  - load moves a run away from its calibration (every kill early when the
 *    machine is busier, late when it is calmer): a region the kills above all
 *    missed (before the write, into it at least twice, past the rename) gets
 *    up to 8 more kills aimed at it, named in the report.
 * Every kill costs a whole run of a command (a node start-up and a 1 to 3 MB
 * write): the defaults keep the file to about 20 s; raise them for a soak.
 * Each kill is classified from what is left on disk: before the write (old
 * content, no temporary file), during it (old content and the killed
 * process's temporary file), between two renames (deploy copies only: one file
 * new, the other old) or after the rename (new content).
 *
 * A temporary file left by a kill during the write is not data loss: it is
 * counted and removed before the next attempt. Whether a later successful run
 * cleans such files up by itself is checked separately, per writer.
 *
 * The random delays come from a seeded generator (lab/stress.ts: a fixed seed
 * by default, STRESS_SEED=N for others); the seed is printed with the results
 * and on failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFER_RELOAD_ENV } from '../../src/run/hooks.js';
import { bins } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { printSeedOnFailure, stressSeed, stressSize } from '../../lab/stress.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';

/** Kills drawn over the whole run, and kills aimed at the write. */
const UNIFORM_KILLS = stressSize('NOTHING_LOST_UNIFORM_KILLS', 8);
const TARGETED_KILLS = stressSize('NOTHING_LOST_TARGETED_KILLS', 8);
/** Runs to completion used to measure a writer and record its new content. */
const CALIBRATION_RUNS = stressSize('NOTHING_LOST_CALIBRATION_RUNS', 3);
const TEST_TIMEOUT = 240_000;

const DAY = 86_400_000;

// ---------------------------------------------------------------------------
// Random delays

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = stressSeed();
printSeedOnFailure(SEED, { NOTHING_LOST_UNIFORM_KILLS: UNIFORM_KILLS, NOTHING_LOST_TARGETED_KILLS: TARGETED_KILLS });

// ---------------------------------------------------------------------------
// Scenarios

interface Scenario {
  label: string;
  /** Directory of the targets, watched for temporary files. */
  dir: string;
  /** Base names of the files that must always be complete (in `dir`). */
  targets: string[];
  /** Temporary files of this writer in `dir`. */
  tmpPattern: RegExp;
  /** Whether the temporary file names carry the writer's pid (`.NAME.PID.RAND.tmp`). */
  tmpHasPid: boolean;
  /** Script and arguments for `node`. */
  argv: string[];
  env: Record<string, string>;
  /** Complete old content of each target, in `targets` order. */
  old: Buffer[];
  /** Complete new content, recorded from the runs to completion. */
  fresh: Buffer[];
}

/** Put the complete old content back before an attempt. */
function restoreOld(s: Scenario): void {
  s.targets.forEach((t, i) => writeFileSync(join(s.dir, t), s.old[i]!));
}

function tmpFiles(s: Scenario): string[] {
  return readdirSync(s.dir)
    .filter((n) => s.tmpPattern.test(n))
    .sort();
}

/** Anything in the directory besides the targets and the writer's temporary files. */
function strangers(s: Scenario): string[] {
  return readdirSync(s.dir)
    .filter((n) => !s.targets.includes(n) && !s.tmpPattern.test(n))
    .sort();
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

// ---------------------------------------------------------------------------
// One run of a writer, optionally killed

/** `topUp`: a kill added after the planned ones, aimed at a region they all missed (named here). */
type KillPlan = { from: 'start' | 'tmp'; delayMs: number; topUp?: string };

interface RunResult {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from spawn to exit */
  ms: number;
  /** ms from spawn to the first temporary file event, to the last rename into a target, to the kill */
  tmpAt: number | null;
  renamedAt: number | null;
  killAt: number | null;
  stderr: string;
}

/**
 * A run that could not even load the built command: `node scripts/build.mjs`
 * replaces dist/ while it runs (another build on the same checkout). Such a
 * run is not an attempt; it is retried.
 */
const BUILD_MISSING = /ERR_MODULE_NOT_FOUND|Cannot find module '[^']*\/dist\//;
let buildRetries = 0;

async function runWriter(s: Scenario, plan: KillPlan | null): Promise<RunResult> {
  for (let i = 0; ; i++) {
    const r = await runWriterOnce(s, plan);
    if (r.signal !== null || r.code === 0 || !BUILD_MISSING.test(r.stderr) || i >= 20) return r;
    buildRetries++;
    await new Promise((res) => setTimeout(res, 500));
    restoreOld(s);
    for (const n of tmpFiles(s)) rmSync(join(s.dir, n), { force: true });
  }
}

function runWriterOnce(s: Scenario, plan: KillPlan | null): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let tmpAt: number | null = null;
    let renamedAt: number | null = null;
    let killAt: number | null = null;
    let timer: NodeJS.Timeout | undefined;
    let stderr = '';
    // Watch before spawning, so the creation of the temporary file cannot be missed.
    const watcher = watch(s.dir);
    const t0 = performance.now();
    const child = spawn(process.execPath, s.argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...s.env } });
    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killAt = performance.now() - t0;
      child.kill('SIGKILL');
    };
    watcher.on('change', (_event, name) => {
      const now = performance.now() - t0;
      const file = String(name);
      if (tmpAt === null && s.tmpPattern.test(file)) {
        tmpAt = now;
        if (plan?.from === 'tmp') {
          if (plan.delayMs <= 0) kill();
          else timer = setTimeout(kill, plan.delayMs);
        }
      } else if (s.targets.includes(file)) {
        renamedAt = now;
      }
    });
    if (plan?.from === 'start') timer = setTimeout(kill, plan.delayMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.once('error', (err) => {
      clearTimeout(timer);
      watcher.close();
      reject(err);
    });
    child.once('close', (code, signal) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      watcher.close();
      resolve({ pid: child.pid ?? -1, code, signal, ms, tmpAt, renamedAt, killAt, stderr });
    });
  });
}

// ---------------------------------------------------------------------------
// Calibration, kills, classification

interface Calibration {
  durationMs: number;
  tmpAtMs: number;
  renamedAtMs: number;
  writeWindowMs: number;
  bytes: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** Run to completion a few times: the new content (the same every time), the duration and when the write happens. */
async function calibrate(s: Scenario): Promise<Calibration> {
  const runs: RunResult[] = [];
  let fresh: Buffer[] | null = null;
  for (let i = 0; i < CALIBRATION_RUNS; i++) {
    restoreOld(s);
    const r = await runWriter(s, null);
    expect(r.code, `${s.label}: run to completion failed:\n${r.stderr}`).toBe(0);
    const now = s.targets.map((t) => readFileSync(join(s.dir, t)));
    now.forEach((b, j) => expect(b.equals(s.old[j]!), `${s.label}: ${s.targets[j]} did not change`).toBe(false));
    if (fresh === null) fresh = now;
    else now.forEach((b, j) => expect(sha(b), `${s.label}: ${s.targets[j]} differs between two complete runs`).toBe(sha(fresh![j]!)));
    expect(tmpFiles(s), `${s.label}: a complete run left temporary files`).toEqual([]);
    expect(r.tmpAt, `${s.label}: no temporary file was seen`).not.toBeNull();
    expect(r.renamedAt, `${s.label}: no rename into the target was seen`).not.toBeNull();
    runs.push(r);
  }
  s.fresh = fresh ?? [];
  const tmpAtMs = median(runs.map((r) => r.tmpAt ?? NaN));
  const renamedAtMs = median(runs.map((r) => r.renamedAt ?? NaN));
  return {
    durationMs: median(runs.map((r) => r.ms)),
    tmpAtMs,
    renamedAtMs,
    writeWindowMs: median(runs.map((r) => (r.renamedAt ?? NaN) - (r.tmpAt ?? NaN))),
    bytes: s.fresh.reduce((n, b) => n + b.length, 0),
  };
}

type Landed = 'before-write' | 'during-write' | 'between-renames' | 'after-rename' | 'completed' | 'exited-with-error';

interface Attempt {
  plan: KillPlan;
  landed: Landed;
  leftovers: string[];
  run: RunResult;
}

interface Violation {
  attempt: number;
  plan: KillPlan;
  file: string;
  size: number;
  sha: string;
  oldSha: string;
  newSha: string;
}

interface KillStats {
  attempts: Attempt[];
  violations: Violation[];
  /** Temporary files whose name does not carry the killed process's pid (where names should). */
  foreignLeftovers: string[];
  /** Leftovers after a run that was not killed. */
  unkilledLeftovers: string[];
  strangers: string[];
  seconds: number;
  /** Runs retried because dist/ was being rebuilt meanwhile (not attempts). */
  buildRetries: number;
}

async function killMany(s: Scenario, plans: KillPlan[], stats: KillStats): Promise<void> {
  const started = performance.now();
  const retriesBefore = buildRetries;
  for (const plan of plans) {
    restoreOld(s);
    const before = tmpFiles(s);
    expect(before, `${s.label}: temporary files before an attempt`).toEqual([]);
    const run = await runWriter(s, plan);
    const states = s.targets.map((t, j) => {
      const b = readFileSync(join(s.dir, t));
      if (b.equals(s.old[j]!)) return 'old' as const;
      if (b.equals(s.fresh[j]!)) return 'new' as const;
      stats.violations.push({ attempt: stats.attempts.length, plan, file: t, size: b.length, sha: sha(b), oldSha: sha(s.old[j]!), newSha: sha(s.fresh[j]!) });
      return 'other' as const;
    });
    const leftovers = tmpFiles(s);
    const killed = run.signal === 'SIGKILL';
    let landed: Landed;
    if (!killed) landed = run.code === 0 ? 'completed' : 'exited-with-error';
    else if (states.every((x) => x === 'new')) landed = 'after-rename';
    else if (states.some((x) => x === 'new')) landed = 'between-renames';
    else landed = leftovers.length > 0 ? 'during-write' : 'before-write';
    if (!killed) stats.unkilledLeftovers.push(...leftovers);
    if (s.tmpHasPid) stats.foreignLeftovers.push(...leftovers.filter((n) => !n.includes(`.${run.pid}.`)));
    stats.strangers.push(...strangers(s).filter((n) => !stats.strangers.includes(n)));
    stats.attempts.push({ plan, landed, leftovers, run });
    // Left by the kill, counted; out of the way of the next attempt.
    for (const n of leftovers) rmSync(join(s.dir, n), { force: true });
  }
  stats.seconds += (performance.now() - started) / 1000;
  stats.buildRetries += buildRetries - retriesBefore;
}

function countLanded(attempts: Attempt[]): Record<Landed, number> {
  const out: Record<Landed, number> = { 'before-write': 0, 'during-write': 0, 'between-renames': 0, 'after-rename': 0, completed: 0, 'exited-with-error': 0 };
  for (const a of attempts) out[a.landed]++;
  return out;
}

function report(s: Scenario, cal: Calibration, stats: KillStats): string {
  const uniform = stats.attempts.filter((a) => a.plan.from === 'start' && a.plan.topUp === undefined);
  const targeted = stats.attempts.filter((a) => a.plan.from === 'tmp' && a.plan.topUp === undefined);
  const fmt = (xs: Attempt[]) =>
    Object.entries(countLanded(xs))
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const topUps = [...new Set(stats.attempts.flatMap((a) => (a.plan.topUp === undefined ? [] : [a.plan.topUp])))].map(
    (what) => `${stats.attempts.filter((a) => a.plan.topUp === what).length} more aimed ${what} (${fmt(stats.attempts.filter((a) => a.plan.topUp === what))})`,
  );
  const left = stats.attempts.reduce((n, a) => n + a.leftovers.length, 0);
  return [
    `${s.label} (seed ${SEED}): ${(cal.bytes / 1e6).toFixed(2)} MB written; run ${cal.durationMs.toFixed(0)} ms, temporary file at ${cal.tmpAtMs.toFixed(0)} ms, renamed at ${cal.renamedAtMs.toFixed(0)} ms (write window ${cal.writeWindowMs.toFixed(1)} ms)`,
    `  ${uniform.length} kills uniform in [0, ${(1.2 * cal.durationMs).toFixed(0)}] ms from start: ${fmt(uniform)}`,
    `  ${targeted.length} kills uniform in [0, ${(1.2 * cal.writeWindowMs).toFixed(1)}] ms after the temporary file appeared: ${fmt(targeted)}`,
    ...(topUps.length > 0 ? [`  the planned kills missed a region: ${topUps.join('; ')}`] : []),
    `  targets old or new after every kill: ${stats.violations.length === 0 ? 'yes' : `NO (${stats.violations.length} violations)`}; temporary files left by kills: ${left}; ${stats.seconds.toFixed(1)} s` +
      (stats.buildRetries > 0 ? ` (${stats.buildRetries} runs retried: dist/ was being rebuilt)` : ''),
  ].join('\n');
}

/** Kills aimed at the write that landed in it. */
function hitWrite(stats: KillStats): number {
  return stats.attempts.filter((a) => a.plan.from === 'tmp' && (a.landed === 'during-write' || a.landed === 'between-renames')).length;
}

/** The checks every writer must pass, and its report line. */
async function tortureWriter(s: Scenario): Promise<{ cal: Calibration; stats: KillStats }> {
  const cal = await calibrate(s);
  const rnd = seeded(SEED ^ [...s.label].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7));
  const stats: KillStats = { attempts: [], violations: [], foreignLeftovers: [], unkilledLeftovers: [], strangers: [], seconds: 0, buildRetries: 0 };
  const uniform = Array.from({ length: UNIFORM_KILLS }, (): KillPlan => ({ from: 'start', delayMs: rnd() * 1.2 * cal.durationMs }));
  const targeted = Array.from({ length: TARGETED_KILLS }, (): KillPlan => ({ from: 'tmp', delayMs: rnd() * 1.2 * cal.writeWindowMs }));
  await killMany(s, [...uniform, ...targeted], stats);
  // Load moves a run away from its calibration (slower: every kill lands early; faster: late). A region the planned
  // kills all missed gets up to 8 more, aimed at it, so that every run covers both sides of the rename and the write.
  const landed = () => countLanded(stats.attempts);
  const topUps: [string, () => boolean, (i: number) => KillPlan][] = [
    ['before the write', () => landed()['before-write'] > 0, () => ({ from: 'start', delayMs: 0 })],
    ['past the rename', () => landed()['after-rename'] + landed().completed > 0, (i) => ({ from: 'tmp', delayMs: cal.writeWindowMs * 3 * 2 ** i })],
    ['into the write', () => hitWrite(stats) >= 2, (i) => ({ from: 'tmp', delayMs: (cal.writeWindowMs * (i % 4)) / 4 })],
  ];
  for (const [what, met, plan] of topUps) {
    for (let i = 0; i < 8 && !met(); i++) await killMany(s, [{ ...plan(i), topUp: what }], stats);
  }
  console.log(report(s, cal, stats));

  const context = report(s, cal, stats);
  expect(stats.violations, `${context}\ntargets neither the complete old nor the complete new content`).toEqual([]);
  expect(stats.unkilledLeftovers, `${context}\ntemporary files left by runs that were not killed`).toEqual([]);
  expect(stats.foreignLeftovers, `${context}\ntemporary files not named after the killed process`).toEqual([]);
  expect(stats.strangers, `${context}\nother files appeared next to the targets`).toEqual([]);
  const errors = stats.attempts.filter((a) => a.landed === 'exited-with-error');
  expect(errors.map((a) => a.run.stderr), `${context}\nruns that failed by themselves`).toEqual([]);
  // The kills reached both sides of the rename.
  const counts = countLanded(stats.attempts);
  expect(counts['before-write'], context).toBeGreaterThan(0);
  expect(counts['after-rename'] + counts.completed, context).toBeGreaterThan(0);
  // The kills aimed at the write did hit it, more than once (how many depends on the machine's load: the
  // write window is measured beforehand; more targeted kills give more hits).
  expect(hitWrite(stats), `${context}\nkills aimed at the write that landed in it (raise NOTHING_LOST_TARGETED_KILLS)`).toBeGreaterThanOrEqual(2);
  // A temporary file is left exactly when a kill landed while it existed.
  for (const a of stats.attempts) {
    if (a.landed === 'before-write' || a.landed === 'completed') expect(a.leftovers, context).toEqual([]);
    if (a.landed === 'during-write') expect(a.leftovers.length, context).toBeGreaterThan(0);
  }
  return { cal, stats };
}

/**
 * Kill runs right as their temporary file appears until one leaves it behind,
 * then run to completion once: the complete run should remove what the killed
 * one left. Returns the temporary files still there afterwards.
 */
async function leftoversAfterCompleteRun(s: Scenario): Promise<{ leftBehind: string[]; after: string[] }> {
  let leftBehind: string[] = [];
  for (let i = 0; i < 20 && leftBehind.length === 0; i++) {
    restoreOld(s);
    await runWriter(s, { from: 'tmp', delayMs: 0 });
    leftBehind = tmpFiles(s);
  }
  expect(leftBehind.length, `${s.label}: no kill left a temporary file behind in 20 tries`).toBeGreaterThan(0);
  restoreOld(s);
  const r = await runWriter(s, null);
  expect(r.code, r.stderr).toBe(0);
  s.targets.forEach((t, j) => expect(readFileSync(join(s.dir, t)).equals(s.fresh[j]!), `${s.label}: ${t} after the complete run`).toBe(true));
  return { leftBehind, after: tmpFiles(s) };
}

// ---------------------------------------------------------------------------

let root = '';
beforeAll(async () => {
  root = await makeTempDir('cert-wrap-nothing-lost-');
});
afterAll(async () => {
  await removeTempDir(root);
});

/** `.NAME.PID.RAND.tmp`, as written by writeFileAtomic. */
const atomicTmp = (name: string): RegExp => new RegExp(`^\\.${name.replace(/\./g, '\\.')}\\.\\d+\\.[0-9a-f]+\\.tmp$`);

describe('gen-nginx --output killed at random moments', () => {
  // 4,000 certificates of two names each: about 1 MB of servers.
  const CERTS = 4_000;
  let s: Scenario;

  beforeAll(() => {
    const dir = join(root, 'gen-nginx');
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const config = (webroot: string) => ({
      webroot,
      nginx: { listen: ['80'] },
      certificates: Array.from({ length: CERTS }, (_, i) => ({ name: `site${i}`, domains: [`site${i}.example.org`, `www.site${i}.example.org`] })),
    });
    writeFileSync(join(dir, 'old.json'), JSON.stringify(config('/srv/old-webroot')));
    writeFileSync(join(dir, 'new.json'), JSON.stringify(config('/var/www/acme')));
    s = {
      label: 'gen-nginx --output',
      dir: out,
      targets: ['acme.conf'],
      tmpPattern: atomicTmp('acme.conf'),
      tmpHasPid: true,
      argv: [bins.genNginx, '--output', join(out, 'acme.conf'), join(dir, 'new.json')],
      env: {},
      // The old content: what gen-nginx wrote for the previous config.
      old: [spawnSyncNode([bins.genNginx, join(dir, 'old.json')])],
      fresh: [],
    };
  });

  it('leaves the output file either completely old or completely new after every SIGKILL', async () => {
    await tortureWriter(s);
  }, TEST_TIMEOUT);

  it('a later complete run removes the temporary file a killed run left behind', async () => {
    if (s.fresh.length === 0) await calibrate(s);
    const { leftBehind, after } = await leftoversAfterCompleteRun(s);
    console.log(`gen-nginx --output: ${leftBehind.length} temporary file(s) left by a kill during the write; after a complete run: ${after.length} (${after.join(', ')})`);
    expect(after, `left by the killed run: ${leftBehind.join(', ')}`).toEqual([]);
  }, TEST_TIMEOUT);
});

describe('cert-wrap status --metrics killed at random moments', () => {
  // 3,500 certificates without lineages, each with a last success in state.json: two lines each. Long
  // names (a label value per line) make the file about 1.2 MB while status stays quick.
  const CERTS = 3_500;
  const certName = (i: number): string => `site${i}-${'x'.repeat(100)}`;
  let s: Scenario;
  let certsDir = '';

  const writeState = (when: Date) => {
    const state = { certificates: Object.fromEntries(Array.from({ length: CERTS }, (_, i) => [certName(i), { lastSuccess: when.toISOString() }])) };
    writeFileSync(join(certsDir, 'state.json'), JSON.stringify(state));
  };

  beforeAll(() => {
    const dir = join(root, 'metrics');
    certsDir = join(dir, 'certs');
    const out = join(dir, 'textfile');
    for (const d of [certsDir, out, join(dir, 'le')]) mkdirSync(d, { recursive: true });
    writeFileSync(
      join(dir, 'site.json'),
      JSON.stringify({
        'config-dir': join(dir, 'le'),
        'certs-dir': certsDir,
        certificates: Array.from({ length: CERTS }, (_, i) => ({ name: certName(i), domains: [`site${i}.example.org`] })),
      }),
    );
    s = {
      label: 'cert-wrap status --metrics',
      dir: out,
      targets: ['cert-wrap.prom'],
      tmpPattern: atomicTmp('cert-wrap.prom'),
      tmpHasPid: true,
      argv: [bins.certWrap, 'status', '-c', join(dir, 'site.json'), '--json', '--metrics', join(out, 'cert-wrap.prom')],
      env: {},
      old: [],
      fresh: [],
    };
    // The old content: the metrics written after the previous successful run; the new one: after today's.
    writeState(new Date(Date.now() - DAY));
    spawnSyncNode(s.argv);
    s.old = [readFileSync(join(out, 'cert-wrap.prom'))];
    writeState(new Date());
  });

  it('leaves the metrics file either completely old or completely new after every SIGKILL', async () => {
    await tortureWriter(s);
  }, TEST_TIMEOUT);

  it('a later complete run removes the temporary file a killed run left behind', async () => {
    if (s.fresh.length === 0) await calibrate(s);
    const { leftBehind, after } = await leftoversAfterCompleteRun(s);
    console.log(`cert-wrap status --metrics: ${leftBehind.length} temporary file(s) left by a kill during the write; after a complete run: ${after.length} (${after.join(', ')})`);
    expect(after, `left by the killed run: ${leftBehind.join(', ')}`).toEqual([]);
  }, TEST_TIMEOUT);
});

describe('cert-wrap deploy-hook (deploy copies) killed at random moments', () => {
  // A renewed lineage whose fullchain.pem carries 6,000 extra certificates: about 3 MB.
  const PADDING = 6_000;
  let s: Scenario;

  beforeAll(() => {
    const dir = join(root, 'deploy');
    const configDir = join(dir, 'le');
    const copies = join(dir, 'copies');
    const now = Date.now();
    const spec = { name: 'big', domains: ['big.test'], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) };
    // Version 1 is what the copies hold; version 2 the renewal being deployed.
    makeLineage(configDir, { ...spec, version: 1 });
    const live = makeLineage(configDir, { ...spec, version: 2 });
    const archive = join(configDir, 'archive', 'big');
    const cert2 = readFileSync(join(archive, 'cert2.pem'), 'utf8');
    writeFileSync(join(archive, 'fullchain2.pem'), cert2.repeat(PADDING + 1));
    mkdirSync(copies, { recursive: true });
    writeFileSync(
      join(dir, 'site.json'),
      JSON.stringify({
        'config-dir': configDir,
        'certs-dir': join(dir, 'certs'),
        nginx: { 'pid-file': join(dir, 'nginx.pid') },
        certificates: [{ name: 'big', domains: ['big.test'], deploy: [{ directory: copies, mode: '0640' }] }],
      }),
    );
    s = {
      label: 'cert-wrap deploy-hook copies',
      dir: copies,
      targets: ['fullchain.pem', 'privkey.pem'],
      tmpPattern: /^\.(fullchain|privkey)\.pem\.\d+\.[0-9a-f]+\.tmp$/,
      // copy.ts names them .FILE.RANDOM.tmp, without the pid.
      tmpHasPid: false,
      argv: [bins.certWrap, 'deploy-hook', '-c', join(dir, 'site.json')],
      // As under `cert-wrap obtain`: the hook records the lineage instead of reloading nginx.
      env: { RENEWED_LINEAGE: live, RENEWED_DOMAINS: 'big.test', [DEFER_RELOAD_ENV]: '1' },
      old: [readFileSync(join(archive, 'fullchain1.pem')), readFileSync(join(archive, 'privkey1.pem'))],
      fresh: [],
    };
    expect(existsSync(join(live, 'fullchain.pem'))).toBe(true);
    // Stable paths already point at the lineage (as after the first issuance): the hook only copies.
    mkdirSync(join(dir, 'certs', 'big'), { recursive: true });
    symlinkSync(live, join(dir, 'certs', 'big', 'current'));
    symlinkSync('current/fullchain.pem', join(dir, 'certs', 'big', 'fullchain.pem'));
    symlinkSync('current/privkey.pem', join(dir, 'certs', 'big', 'privkey.pem'));
  });

  it('leaves each copy either completely old or completely new after every SIGKILL', async () => {
    const { stats } = await tortureWriter(s);
    // Only between the two renames is the pair mixed (new fullchain with the old key); count it.
    const mixed = stats.attempts.filter((a) => a.landed === 'between-renames').length;
    console.log(`cert-wrap deploy-hook copies: kills that left a new fullchain.pem with the old privkey.pem: ${mixed}`);
  }, TEST_TIMEOUT);

  it('a later complete run removes the temporary files a killed run left behind', async () => {
    if (s.fresh.length === 0) await calibrate(s);
    const { leftBehind, after } = await leftoversAfterCompleteRun(s);
    console.log(`cert-wrap deploy-hook copies: ${leftBehind.length} temporary file(s) left by a kill during the write; after a complete run: ${after.length} (${after.join(', ')})`);
    expect(after, `left by the killed run: ${leftBehind.join(', ')}`).toEqual([]);
  }, TEST_TIMEOUT);
});

/** Run node synchronously (again while dist/ is being rebuilt), fail on a non-zero exit, return stdout. */
function spawnSyncNode(argv: string[]): Buffer {
  for (let i = 0; ; i++) {
    const r = spawnSync(process.execPath, argv, { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
    if (r.status === 0) return r.stdout;
    if (i < 20 && BUILD_MISSING.test(String(r.stderr))) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      continue;
    }
    throw new Error(`node ${argv.join(' ')} exited ${String(r.status)}:\n${String(r.stderr)}`);
  }
}
