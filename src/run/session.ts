/**
 * The one certbot session, used by obtain, renew and apply:
 *
 *   lock → decide (under the lock, so a run that waited sees what the other
 *   renewed) → checks → redo failed deploys → reload check → bootstrap and
 *   HTTP-01 probe hold-back (side by side) → certbot runs, one at a time →
 *   reload → record.
 *
 * Everything that touches the world goes through SessionIO, so the order and
 * the decisions are tested in-process with fakes (test/unit/run/); the real
 * I/O is in session-io.ts and proved end to end with certbot, Pebble and nginx.
 */
import { executeObtain, type PlannedRun } from '../adapters/certbot/obtain.js';
import type { CertbotResult } from '../adapters/certbot/run.js';
import type { CertStatus } from '../adapters/renewal/status.js';
import { signalExitCode } from '../lib/interrupt.js';
import { type CertReport, outcomeText } from '../model/report.js';
import type { Certificate, Config } from '../model/types.js';
import type { Progress, ReloadReport } from './io.js';
import { inPlanOrder, notDue, type PlanOptions, planDue } from './planner.js';

export interface SessionOptions extends PlanOptions {
  /** false: --no-reload, something else reloads nginx. */
  reload: boolean;
  /** The caller checked, before the lock, that nginx can be reloaded (else it is checked here when something is due). */
  reloadChecked: boolean;
}

/** Everything the session does to the world. */
export interface SessionIO {
  now(): Date;
  progress: Progress;
  /** Run `work` holding the lock on certbot's directories (a second run waits, then gives up: exit 3). */
  lock<T>(work: () => Promise<T>): Promise<T>;
  /** Each certificate's decision, with ARI asked where its answer lapsed. */
  decide(certs: Certificate[]): Promise<CertStatus[]>;
  /** Everything certbot and cert-wrap need for these certificates; throws the refusal (exit 2). */
  check(certs: Certificate[]): void;
  /** That nginx can be reloaded at the end; throws the refusal (exit 2). */
  checkReload(): Promise<void>;
  /** Deploy steps that failed after an earlier issuance, done again: a failed report for each that fails again. */
  redoDeploys(certs: Certificate[]): Promise<CertReport[]>;
  /** Stable paths and placeholders for the certificates about to be ordered. */
  bootstrap(certs: Certificate[]): Promise<void>;
  /** The HTTP-01 preflight: what may go to the CA, and the reports of what is held back. */
  holdBack(plan: PlannedRun[]): Promise<{ plan: PlannedRun[]; heldBack: CertReport[] }>;
  /** Why certbot must not run for this certificate (a damaged lineage), or null. */
  refuse(run: PlannedRun): string | null;
  /** Runs certbot for the plan one at a time until `stopped`; the signal that stopped the session, if any. */
  interruptible<T>(work: (it: { signal: AbortSignal; stopped(): boolean }) => Promise<T>): Promise<{ value: T; interrupted: NodeJS.Signals | null }>;
  certbot(run: PlannedRun, opts: { signal: AbortSignal; deferReload: boolean }): Promise<CertbotResult>;
  /** The tail of certbot's log, for a failed run's reason. */
  logTail(): string;
  /** Reload nginx if a deploy asked for it (`earlier`: by a run that was killed before its reload). */
  reloadIfPending(earlier: boolean): Promise<ReloadReport>;
  /** Remember what succeeded and failed, for the metrics and the alerts. */
  record(reports: CertReport[]): void;
  warn(text: string): void;
}

export interface SessionOutcome {
  /** One report per certificate, in config order. */
  certificates: CertReport[];
  /** Those certbot ran for (or the preflight held back). */
  ran: CertReport[];
  reload: ReloadReport;
  /** The decisions taken under the lock: still every certificate's state when nothing ran. */
  decided: CertStatus[];
  /** Set when a signal stopped the run: the exit code to use (130, 143). */
  interruptedExit: number | null;
}

export const NOT_RELOADED_ON_REQUEST: ReloadReport = {
  attempted: false,
  ok: true,
  skipped: true,
  message: 'nginx was not reloaded by cert-wrap (--no-reload): reload it yourself to serve new certificates',
};

export async function runSession(config: Config, certs: Certificate[], opts: SessionOptions, io: SessionIO): Promise<SessionOutcome> {
  return io.lock(async () => {
    const statuses = await io.decide(certs);
    const plan = planDue(config, statuses, opts);
    if (plan.length > 0) io.check(plan.map((p) => p.cert));
    const notPlanned = statuses.filter((s) => !plan.some((p) => p.cert === s.cert)).map((s) => s.cert);
    const redone = opts.dryRun ? [] : await io.redoDeploys(notPlanned);
    let ran: CertReport[] = [];
    let reload: ReloadReport | null = null;
    if (plan.length > 0) {
      // Another run left something due that was not when the caller looked: check now, before ordering.
      if (opts.reload && !opts.reloadChecked) await io.checkReload();
      // The placeholders (openssl) and the HTTP-01 probe (port 80) do not depend on each other: side by side.
      const [booted, probed] = await Promise.allSettled([opts.dryRun ? null : io.bootstrap(plan.map((p) => p.cert)), io.holdBack(plan)]);
      if (booted.status === 'rejected') throw booted.reason;
      if (probed.status === 'rejected') throw probed.reason;
      const checked = probed.value;
      const runs = await runCertbot(checked.plan, opts, io);
      if (runs.interrupted !== null) return { certificates: [], ran: [], reload: runs.reload, decided: statuses, interruptedExit: signalExitCode(runs.interrupted) };
      ran = inPlanOrder(plan, runs.reports, checked.heldBack);
      reload = runs.reload;
    }
    // Nothing ran: still reload if a killed run left a deployed certificate unannounced.
    reload ??= opts.reload ? await io.reloadIfPending(true) : NOT_RELOADED_ON_REQUEST;
    const byName = new Map([...ran, ...redone].map((r) => [r.name, r]));
    const certificates = statuses.map((s) => byName.get(s.cert.name) ?? notDue(s));
    if (!opts.dryRun) io.record(certificates);
    return { certificates, ran, reload, decided: statuses, interruptedExit: null };
  });
}

/** The certbot runs, one at a time; Ctrl-C or SIGTERM stops the running one, starts no other, and still reloads for what was deployed. */
async function runCertbot(plan: PlannedRun[], opts: SessionOptions, io: SessionIO): Promise<{ reports: CertReport[]; reload: ReloadReport; interrupted: NodeJS.Signals | null }> {
  try {
    const { value: reports, interrupted } = await io.interruptible(({ signal, stopped }) =>
      executeObtain(plan, {
        run: (run) => io.certbot(run, { signal, deferReload: opts.reload }),
        refuse: (run) => io.refuse(run),
        stopped,
        logTail: () => io.logTail(),
        onStart: (run, i, n) => io.progress.start(run.cert.name, i, n),
        onDone: (run, r) => io.progress.done(run.cert.name, `${outcomeText(r)} in ${r.seconds.toFixed(1)} s${r.reason ? `: ${r.reason}` : ''}`),
      }),
    );
    const reload = opts.reload ? await io.reloadIfPending(false) : NOT_RELOADED_ON_REQUEST;
    io.progress.close();
    if (interrupted) io.warn(`interrupted by ${interrupted}; ${reports.length} of ${plan.length} certificates were attempted`);
    return { reports, reload, interrupted };
  } finally {
    io.progress.close();
  }
}
