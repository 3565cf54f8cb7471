/**
 * Every agent's installer: a full read of PREFIX/certs/ and the revision it
 * was taken at, then a watch from the next revision (read again whenever the
 * watch is lost, e.g. compacted, or the store was unavailable). Each value is
 * verified (record.ts) and installed (install.ts); refused values are
 * reported and never installed, the previous certificate stays. One nginx
 * reload per batch, with the single-host safe reload (nginx -t first).
 */
import type { Certificate, Config } from '../../model/types.js';
import type { ReloadResult } from '../../adapters/nginx/reload.js';
import { installCertificate, installedSerial } from './install.js';
import { nextTurn } from '../../lib/next-turn.js';
import { verifyRecord } from '../../adapters/fleet/record.js';
import type { FleetStore } from '../../adapters/fleet/store.js';

export interface CertState {
  serial: string | null;
  version: number | null;
  error: string | null;
}

export interface InstallerDeps {
  reload(config: Config): Promise<ReloadResult>;
  /** Whether a reload is owed (an install whose reload failed or never ran). */
  reloadOwed(config: Config): boolean;
  now(): Date;
  log(line: string): void;
  /** Called after each batch (node status). */
  changed(): void;
  /** Called with each store failure (and null when the store answers again). */
  storeState(error: string | null): void;
}

const BATCH_MS = 200;
const RETRY_MS = 2000;

export class Installer {
  readonly states = new Map<string, CertState>();
  private queue = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> = Promise.resolve();
  private stopWatch: (() => Promise<void>) | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** The config's certificates by name, built once per config (a batch may hold every certificate). */
  private byName: Map<string, Certificate>;
  lastError: string | null = null;

  constructor(
    private readonly store: FleetStore,
    private readonly fleetKey: Buffer,
    private config: Config,
    private readonly deps: InstallerDeps,
  ) {
    this.byName = certificatesByName(config);
    for (const cert of config.certificates) this.states.set(cert.name, { serial: installedSerial(config, cert), version: null, error: null });
  }

  setConfig(config: Config): void {
    this.config = config;
    this.byName = certificatesByName(config);
    void this.resync();
  }

  /** Full read, install what differs, then watch. Never throws: a store failure is reported and retried. */
  async resync(): Promise<void> {
    if (this.stopped) return;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.stopWatch?.().catch(() => undefined);
    this.stopWatch = null;
    try {
      const snap = await this.store.readCerts();
      this.deps.storeState(null);
      for (const [name, value] of snap.values) this.queue.set(name, value);
      await this.flush();
      if (this.stopped) return;
      const next = (BigInt(snap.revision) + 1n).toString();
      this.stopWatch = await this.store.watchCerts(next, {
        put: (name, value) => this.enqueue(name, value),
        delete: () => undefined,
        lost: (reason) => {
          this.deps.log(`watch lost (${reason}): reading everything again`);
          this.later(0);
        },
      });
    } catch (err) {
      this.deps.storeState((err as Error).message);
      this.later(RETRY_MS);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retry) clearTimeout(this.retry);
    await this.stopWatch?.().catch(() => undefined);
    await this.busy;
  }

  private later(ms: number): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.resync();
    }, ms);
  }

  private enqueue(name: string, value: string): void {
    this.queue.set(name, value);
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, BATCH_MS);
    }
  }

  /** Install the queued values, then one reload if anything was installed (or a reload is still owed). */
  flush(): Promise<void> {
    this.busy = this.busy.then(() => this.installBatch());
    return this.busy;
  }

  private async installBatch(): Promise<void> {
    const batch = [...this.queue];
    this.queue.clear();
    let installed = 0;
    for (const [name, value] of batch) {
      await nextTurn(); // a snapshot is thousands of verifications: timers (status, leases) still run
      const cert = this.byName.get(name);
      if (cert && (await this.installOne(cert, value))) installed++;
    }
    if (installed > 0 || this.deps.reloadOwed(this.config)) {
      const r = await this.deps.reload(this.config);
      this.deps.log(r.ok ? `reloaded: ${r.message}` : `reload failed: ${r.message}`);
      if (!r.ok) this.lastError = r.message;
    }
    if (batch.length > 0 || installed > 0) this.deps.changed();
  }

  private async installOne(cert: Certificate, value: string): Promise<boolean> {
    const state = this.states.get(cert.name) ?? { serial: null, version: null, error: null };
    this.states.set(cert.name, state);
    const v = verifyRecord(this.fleetKey, cert, value, this.deps.now());
    if (!v.ok) {
      state.error = `refused version ${v.version ?? '?'}: ${v.reason}`;
      this.lastError = `${cert.name}: ${state.error}`;
      this.deps.log(`refused ${cert.name}: ${v.reason}; still serving ${state.serial ?? 'what it had'}`);
      return false;
    }
    if (installedSerial(this.config, cert) === v.record.serial) {
      Object.assign(state, { serial: v.record.serial, version: v.record.version, error: null });
      return false;
    }
    try {
      const failures = await installCertificate(this.config, cert, { serial: v.record.serial, fullchain: v.fullchain, privkey: v.privkey }, (text, ok = true) => {
        if (!ok) this.deps.log(`${cert.name}: ${text}`);
      });
      Object.assign(state, { serial: v.record.serial, version: v.record.version, error: failures[0] ?? null });
      if (failures.length > 0) this.lastError = `${cert.name}: ${failures[0]}`;
      this.deps.log(`installed ${cert.name} serial ${v.record.serial} (version ${v.record.version})`);
      return true;
    } catch (err) {
      state.error = `cannot install: ${(err as Error).message}`;
      this.lastError = `${cert.name}: ${state.error}`;
      this.deps.log(`${cert.name}: ${state.error}`);
      return false;
    }
  }
}

function certificatesByName(config: Config): Map<string, Certificate> {
  return new Map(config.certificates.map((c) => [c.name, c]));
}
