/**
 * Concurrent runs on the same directories, with real processes.
 *
 * certbot is replaced by a stand-in that logs when it starts and ends (with
 * its parent, the cert-wrap process), can be held at its start until the test
 * creates a "go" file, and writes an output file under the config dir line by
 * line (not atomically), so that two runs at once would leave a mixed file.
 * Holding the first run until the second has said that it waits makes every
 * test here depend on the order of events only, never on how long anything
 * takes.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { bins } from '../../lab/cli.js';
import { makeLineage } from '../../lab/lineage.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';
import { findTool, waitFor } from '../../lab/tools.js';
import { stressSize } from '../../lab/stress.js';

const DAY = 86_400_000;
const LINES = 20;
/** Rounds of simultaneous runs, and how many writers of one file at once (raise them for a soak). */
const ROUNDS = stressSize('CONCURRENCY_ROUNDS', 2);
const WRITERS = stressSize('CONCURRENCY_WRITERS', 12);

/**
 * The stand-in. Logs "start PID PPID NANOS NAME" and "end ..." to $STANDIN_LOG;
 * waits (at most 20 s) for $STANDIN_GO to exist; writes
 * CONFIG-DIR/stand-in/NAME.txt one line at a time; with $STANDIN_RENEWS set,
 * replaces live/NAME/cert.pem by a fresh 90-day certificate, as a renewal would.
 */
const STAND_IN = `#!/bin/sh
name=""; cfg=""; domain=""; prev=""
for a in "$@"; do
  [ "$prev" = "--cert-name" ] && name="$a"
  [ "$prev" = "--config-dir" ] && cfg="$a"
  [ "$prev" = "-d" ] && [ -z "$domain" ] && domain="$a"
  prev="$a"
done
echo "start $$ $PPID $(date +%s%N) $name" >> "$STANDIN_LOG"
i=0
while [ -n "$STANDIN_GO" ] && [ ! -e "$STANDIN_GO" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done
echo "Requesting a certificate for $name"
mkdir -p "$cfg/stand-in"
out="$cfg/stand-in/$name.txt"
: > "$out"
n=1
while [ $n -le ${LINES} ]; do echo "$$ line $n of ${LINES}" >> "$out"; sleep 0.002; n=$((n+1)); done
if [ -n "$STANDIN_RENEWS" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 90 -subj "/CN=$domain" \\
    -addext "subjectAltName=DNS:$domain" -keyout "$cfg/live/$name/.new-key.pem" -out "$cfg/live/$name/.new-cert.pem" 2>/dev/null
  mv "$cfg/live/$name/.new-cert.pem" "$cfg/live/$name/cert.pem"
  rm -f "$cfg/live/$name/.new-key.pem"
fi
echo "Successfully received certificate."
echo "end $$ $PPID $(date +%s%N) $name" >> "$STANDIN_LOG"
`;

interface Site {
  dir: string;
  file: string;
  le: string;
  log: string;
  go: string;
  env: Record<string, string>;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeTempDir(d);
});

async function site(certs = '  - name: one\n    domains: [one.example.org]'): Promise<Site> {
  const dir = await makeTempDir('cw-conc-');
  dirs.push(dir);
  mkdirSync(join(dir, 'webroot'));
  const standIn = join(dir, 'certbot-stand-in.sh');
  writeFileSync(standIn, STAND_IN);
  chmodSync(standIn, 0o755);
  const le = join(dir, 'le');
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    [`webroot: ${dir}/webroot`, `certbot: ${standIn}`, `config-dir: ${le}`, `certs-dir: ${dir}/certs`, 'nginx:', `  pid-file: ${dir}/run/nginx.pid`, 'certificates:', certs, ''].join('\n'),
  );
  const log = join(dir, 'stand-in.log');
  const go = join(dir, 'go');
  return { dir, file, le, log, go, env: { STANDIN_LOG: log, STANDIN_GO: go } };
}

interface Started {
  label: string;
  proc: ResultPromise<{ reject: false }>;
  pid: number;
  stderr: () => string;
}

function start(label: string, args: string[], env: Record<string, string>, bin = bins.certWrap): Started {
  const proc = execa(process.execPath, [bin, ...args], {
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', CI: '1', ...env },
    timeout: 60_000,
  }) as ResultPromise<{ reject: false }>;
  let err = '';
  proc.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { label, proc, pid: proc.pid!, stderr: () => err };
}

interface Event {
  kind: 'start' | 'end';
  pid: number;
  ppid: number;
  at: bigint;
  name: string;
}

function events(log: string): Event[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [kind, pid, ppid, at, name] = l.split(' ');
      return { kind: kind as Event['kind'], pid: Number(pid), ppid: Number(ppid), at: BigInt(at!), name: name! };
    });
}

const showEvents = (evs: Event[]) => evs.map((e) => `${e.kind} ${e.pid} (cert-wrap ${e.ppid}) ${e.name}`).join('\n');

/** The stand-in's runs never overlap: start, end, start, end, ... each end by the run that started just before. */
function expectNoOverlap(evs: Event[]): void {
  const shown = showEvents(evs);
  expect(evs.length % 2, shown).toBe(0);
  for (let i = 0; i < evs.length; i += 2) {
    const [s, e] = [evs[i]!, evs[i + 1]!];
    expect([s.kind, e.kind, e.pid], shown).toEqual(['start', 'end', s.pid]);
    expect(e.at >= s.at, shown).toBe(true);
    if (i > 0) expect(s.at >= evs[i - 1]!.at, shown).toBe(true);
  }
}

/** The stand-in's output file is complete and from one run only. */
function expectWholeOutput(s: Site, name: string, lastPid: number): void {
  const text = readFileSync(join(s.le, 'stand-in', `${name}.txt`), 'utf8');
  const expected = Array.from({ length: LINES }, (_, i) => `${lastPid} line ${i + 1} of ${LINES}`).join('\n') + '\n';
  expect(text).toBe(expected);
}

function expectLockReleased(s: Site): void {
  expect(readdirSync(s.le).filter((f) => f.startsWith('cert-wrap.lock'))).toEqual([]);
}

const waitingRe = (seconds: string) => new RegExp(`waiting up to ${seconds.replace('.', '\\.')} s for another cert-wrap run \\(`);

describe('two runs at once on the same directories: one runs, the other waits, then runs', () => {
  const pairs: [string, string][] = [
    ['obtain', 'obtain'],
    ['renew', 'renew'],
    ['obtain', 'renew'],
  ];
  it.each(pairs)('%s + %s', { timeout: 60_000 }, async (a, b) => {
    const s = await site();
    // the stable paths exist already (bootstrapping at once is a case of its own, below)
    expect((await execa(process.execPath, [bins.certWrap, 'bootstrap', '-c', s.file], { reject: false })).exitCode).toBe(0);
    const args = (cmd: string) => [cmd, '--no-preflight', '--no-reload', '--json', '--lock-timeout', '30', '-c', s.file];
    const runs = [start(a, args(a), s.env), start(b, args(b), s.env)];

    // one run's certbot has started and is held; the other says it waits for the lock
    const ordered = await waitFor(() => events(s.log).length === 1 && runs.some((r) => waitingRe('30').test(r.stderr())), 20_000);
    expect(ordered, `stand-in log:\n${showEvents(events(s.log))}\n${runs.map((r) => `${r.label}: ${r.stderr()}`).join('\n')}`).toBe(true);
    const holder = runs.find((r) => r.pid === events(s.log)[0]!.ppid)!;
    const waiter = runs.find((r) => r !== holder)!;
    expect(holder).toBeDefined();
    expect(waitingRe('30').test(holder.stderr())).toBe(false);
    writeFileSync(s.go, '');

    const [r1, r2] = await Promise.all(runs.map((r) => r.proc));
    for (const [r, x] of [
      [r1!, runs[0]!],
      [r2!, runs[1]!],
    ] as const) {
      expect(r.exitCode, `${x.label}: ${String(r.stderr)}`).toBe(0);
      const summary = JSON.parse(String(r.stdout)) as { ok: boolean; certificates: { name: string; outcome: string }[] };
      expect(summary.ok).toBe(true);
      expect(summary.certificates).toMatchObject([{ name: 'one', outcome: 'issued' }]);
    }
    const evs = events(s.log);
    expectNoOverlap(evs);
    expect(evs.map((e) => [e.kind, e.ppid])).toEqual([
      ['start', holder.pid],
      ['end', holder.pid],
      ['start', waiter.pid],
      ['end', waiter.pid],
    ]);
    expectWholeOutput(s, 'one', evs[3]!.pid);
    expectLockReleased(s);
  });
});

describe('a short --lock-timeout: the second run exits 3 naming the holder, having started nothing', () => {
  const pairs: [string, string][] = [
    ['obtain', 'obtain'],
    ['obtain', 'renew'],
    ['renew', 'obtain'],
    ['renew', 'renew'],
  ];
  it.each(pairs)('%s holding, %s --lock-timeout 0.5', { timeout: 60_000 }, async (a, b) => {
    const s = await site();
    const first = start(a, [a, '--no-preflight', '--no-reload', '--json', '-c', s.file], s.env);
    expect(await waitFor(() => events(s.log).length === 1, 20_000), first.stderr()).toBe(true);

    const second = await execa(process.execPath, [bins.certWrap, b, '--no-preflight', '--no-reload', '--json', '--lock-timeout', '0.5', '-c', s.file], {
      reject: false,
      stdin: 'ignore',
      env: { NO_COLOR: '1', CI: '1', ...s.env },
    });
    expect(second.exitCode, String(second.stderr)).toBe(3);
    expect(String(second.stdout)).toBe(''); // no summary of a run that did not happen
    const holder = `pid ${first.pid}, since `;
    const lines = String(second.stderr).trimEnd().split('\n');
    // "waiting up to 0.5 s ..." first, unless the very first attempt already took the whole 0.5 s (a loaded host)
    expect(lines.length, String(second.stderr)).toBeLessThanOrEqual(2);
    if (lines.length === 2) {
      expect(lines[0]).toMatch(waitingRe('0.5'));
      expect(lines[0]).toContain(holder);
    }
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^cert-wrap: another cert-wrap run \\(pid ${first.pid}, since [^)]+\\) holds the lock on ${s.le.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; gave up after 0\\.5 s\\. Try again when it has finished, or raise --lock-timeout\\.$`));
    expect(String(second.stderr)).not.toMatch(/\n\s+at \S/);
    // the impatient run started no certbot
    expect(events(s.log).map((e) => e.ppid)).toEqual([first.pid]);

    writeFileSync(s.go, '');
    const r = await first.proc;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expectNoOverlap(events(s.log));
    expectWholeOutput(s, 'one', events(s.log)[1]!.pid);
    expectLockReleased(s);
  });
});

describe('renew + renew at once on a certificate that is due', () => {
  it('the waiting run sees the certificate the first one renewed and starts no second certbot (no duplicate issuance)', { timeout: 60_000 }, async () => {
    const s = await site();
    const now = Date.now();
    makeLineage(s.le, { name: 'one', domains: ['one.example.org'], notBefore: new Date(now - 70 * DAY), notAfter: new Date(now + 20 * DAY) });
    expect((await execa(process.execPath, [bins.certWrap, 'bootstrap', '-c', s.file], { reject: false })).exitCode).toBe(0);
    const env = { ...s.env, STANDIN_RENEWS: '1' };
    const args = ['renew', '--no-preflight', '--no-reload', '--json', '--lock-timeout', '30', '-c', s.file];
    const runs = [start('renew 1', args, env), start('renew 2', args, env)];
    const ordered = await waitFor(() => events(s.log).length === 1 && runs.some((r) => waitingRe('30').test(r.stderr())), 20_000);
    expect(ordered, runs.map((r) => `${r.label}: ${r.stderr()}`).join('\n')).toBe(true);
    writeFileSync(s.go, '');
    const results = await Promise.all(runs.map((r) => r.proc));
    for (const r of results) expect(r.exitCode, String(r.stderr)).toBe(0);
    // certbot ran once: the second renew decided after the first had renewed
    expect(events(s.log).filter((e) => e.kind === 'start').map((e) => e.name)).toEqual(['one']);
    const status = await execa(process.execPath, [bins.certWrap, 'status', '--json', '-c', s.file]);
    expect((JSON.parse(String(status.stdout)) as { certificates: { action: string }[] }).certificates[0]!.action).toBe('none');
  });
});

describe('many runs at once that each make the placeholder certificate (bootstrap runs before the lock)', () => {
  /** An openssl that waits at a barrier, so that every run creates its placeholder at the same moment. */
  const BARRIER_OPENSSL = (real: string) => `#!/bin/sh
touch "$BARRIER_DIR/waiting.$$"
i=0
while [ ! -e "$BARRIER_DIR/go" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done
exec ${real} "$@"
`;
  const RUNS = 8;

  it(`${ROUNDS} rounds of ${RUNS} obtain runs at once: every run succeeds (one at a time), none fails preparing the stable paths`, async () => {
    const real = findTool('openssl');
    expect(real, 'openssl is needed for the placeholders').not.toBeNull();
    for (let round = 1; round <= ROUNDS; round++) {
      const s = await site();
      const wrapDir = join(s.dir, 'bin');
      const barrier = join(s.dir, 'barrier');
      mkdirSync(wrapDir);
      mkdirSync(barrier);
      writeFileSync(join(wrapDir, 'openssl'), BARRIER_OPENSSL(real!));
      chmodSync(join(wrapDir, 'openssl'), 0o755);
      writeFileSync(s.go, ''); // the stand-in does not hold anyone here
      const env = { ...s.env, BARRIER_DIR: barrier, PATH: `${wrapDir}:${process.env.PATH ?? ''}` };
      const runs = Array.from({ length: RUNS }, (_, i) => start(`obtain ${i + 1}`, ['obtain', '--no-preflight', '--no-reload', '--json', '--lock-timeout', '60', '-c', s.file], env));
      // release the barrier once every run waits, at it or for the lock (runs that make the placeholder
      // under the lock never all reach openssl); after 10 s at the latest
      await waitFor(
        () => readdirSync(barrier).filter((f) => f.startsWith('waiting.')).length + runs.filter((r) => waitingRe('60').test(r.stderr())).length >= RUNS,
        10_000,
      );
      writeFileSync(join(barrier, 'go'), '');
      const results = await Promise.all(runs.map((r) => r.proc));
      const failed = results.map((r, i) => ({ i, r })).filter(({ r }) => r.exitCode !== 0);
      expect(
        failed.map(({ i, r }) => `round ${round}, ${runs[i]!.label}: exit ${r.exitCode}: ${String(r.stderr).trim().split('\n').pop()}`),
      ).toEqual([]);
      expectNoOverlap(events(s.log));
      expect(events(s.log).filter((e) => e.kind === 'start')).toHaveLength(RUNS);
      expectLockReleased(s);
      // one placeholder in place, nothing half-made left beside it
      expect(readdirSync(join(s.dir, 'certs', 'one')).sort()).toEqual(['current', 'fullchain.pem', 'privkey.pem', 'self-signed']);
    }
  }, 120_000);
});

describe('renew runs at once for different certificates, nothing due: each records its success', () => {
  it('10 runs, one --cert each: state.json ends up with all 10 (no update lost)', { timeout: 60_000 }, async () => {
    const N = 10;
    const certs = Array.from({ length: N }, (_, i) => `  - name: c${i}\n    domains: [c${i}.example.org]`).join('\n');
    const s = await site(certs);
    const now = Date.now();
    for (let i = 0; i < N; i++) {
      makeLineage(s.le, { name: `c${i}`, domains: [`c${i}.example.org`], notBefore: new Date(now - DAY), notAfter: new Date(now + 89 * DAY) });
    }
    const runs = Array.from({ length: N }, (_, i) => start(`renew c${i}`, ['renew', '--no-preflight', '--no-reload', '--json', '--cert', `c${i}`, '-c', s.file], s.env));
    const results = await Promise.all(runs.map((r) => r.proc));
    for (const r of results) expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(events(s.log)).toEqual([]); // nothing was due: no certbot
    const state = JSON.parse(readFileSync(join(s.dir, 'certs', 'state.json'), 'utf8')) as { certificates: Record<string, unknown> };
    expect(Object.keys(state.certificates).sort()).toEqual(Array.from({ length: N }, (_, i) => `c${i}`).sort());
  });
});

describe('writers of the same file at once always leave one complete file', () => {
  it(`gen-nginx --output, ${WRITERS} at once into the same file, ${ROUNDS} times: always exactly the expected text, no temporary file left`, { timeout: 90_000 }, async () => {
    const certs = Array.from({ length: 30 }, (_, i) => `  - name: n${i}\n    domains: [n${i}.example.org, www.n${i}.example.org]`).join('\n');
    const s = await site(certs);
    const expected = String((await execa(process.execPath, [bins.genNginx, s.file], { stripFinalNewline: false })).stdout);
    expect(expected).toContain('server_name n29.example.org www.n29.example.org;');
    const outDir = join(s.dir, 'out');
    mkdirSync(outDir);
    const out = join(outDir, 'acme.conf');
    for (let round = 0; round < ROUNDS; round++) {
      writeFileSync(out, '# previous content\n');
      const runs = Array.from({ length: WRITERS }, (_, i) => start(`gen-nginx ${i}`, [s.file, '-o', out], {}, bins.genNginx));
      const results = await Promise.all(runs.map((r) => r.proc));
      for (const r of results) expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(expected);
      expect(readdirSync(outDir)).toEqual(['acme.conf']);
    }
  });

  it(`status --metrics, ${WRITERS} at once into the same file: one complete metrics file, no temporary file left`, { timeout: 60_000 }, async () => {
    const certs = Array.from({ length: 10 }, (_, i) => `  - name: m${i}\n    domains: [m${i}.example.org]`).join('\n');
    const s = await site(certs);
    const outDir = join(s.dir, 'textfile');
    mkdirSync(outDir);
    const metrics = join(outDir, 'cert-wrap.prom');
    const runs = Array.from({ length: WRITERS }, (_, i) => start(`status ${i}`, ['status', '--metrics', metrics, '-c', s.file], {}));
    const results = await Promise.all(runs.map((r) => r.proc));
    for (const r of results) expect(r.exitCode, String(r.stderr)).toBe(0);
    const text = readFileSync(metrics, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    // no lineage: each certificate has exactly its readable and renewal_due samples
    const expected = Array.from({ length: 10 }, (_, i) => [`cert_wrap_certificate_readable{certificate="m${i}"} 1`, `cert_wrap_certificate_renewal_due{certificate="m${i}"} 1`]);
    expect(samples.sort()).toEqual(expected.flat().sort());
    expect(readdirSync(outDir)).toEqual(['cert-wrap.prom']);
  });
});
