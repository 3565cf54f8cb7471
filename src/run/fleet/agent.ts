/**
 * `cert-wrap agent`: every node runs one. It installs what the fleet publishes
 * (installer.ts), keeps its status under PREFIX/nodes/NODE, and campaigns in
 * the election; while it leads, it runs leader rounds (leader.ts), waking at
 * the earliest due time and at least twice a day. When etcd is unavailable it
 * keeps serving what it has, orders nothing, says so once, and carries on by
 * itself when etcd answers again. hup() re-reads the config; stop() resigns.
 */
import type { Config } from '../../model/types.js';
import type { ReloadResult } from '../../adapters/nginx/reload.js';
import { type AccountRecord, parseAccountRecord } from '../../adapters/fleet/account.js';
import type { FleetCommands } from '../../adapters/certbot/fleet-argv.js';
import { Installer } from './installer.js';
import { accountKey, nodeKey } from '../../adapters/fleet/layout.js';
import { type LeaderContext, type LeaderDeps, leaderRound } from './leader.js';
import { LostLeadershipError, StoreUnavailableError } from '../../lib/errors.js';
import { encodeNodeStatus, nodeStatus, statusContent } from './node-status.js';
import type { FleetStore } from '../../adapters/fleet/store.js';

export interface AgentDeps {
  loadConfig(): Promise<Config>;
  store: FleetStore;
  fleetKey: Buffer;
  commands: FleetCommands;
  certbot: LeaderDeps['certbot'];
  logTail: LeaderDeps['logTail'];
  reload(config: Config): Promise<ReloadResult>;
  reloadOwed(config: Config): boolean;
  now(): Date;
  log(line: string): void;
}

const RETRY_MS = 2000;
/**
 * An unchanged status is put again only this often (and after any store
 * failure): each put is a new version in etcd's history until compaction,
 * 0.33 MB at 10,000 certificates, and the key lives on its lease meanwhile.
 */
export const STATUS_REFRESH_MS = 10 * 60_000;

/** The account in etcd, checked against the config's thumbprint: an error message when it cannot be used. */
export async function checkAccount(store: FleetStore, config: Config): Promise<{ account: AccountRecord } | { refused: string }> {
  const text = await store.get(accountKey(config.fleet!.prefix));
  if (text === null) return { refused: `the fleet ${config.fleet!.prefix} has no account yet: run "cert-wrap fleet init -c ${config.sourcePath}" once` };
  const account = parseAccountRecord(text);
  if (account.thumbprint !== config.fleet!.accountThumbprint) {
    return { refused: `fleet.account-thumbprint ${JSON.stringify(config.fleet!.accountThumbprint)} is not the fleet account's (${account.thumbprint}): nginx would answer challenges for another account; set fleet.account-thumbprint: ${account.thumbprint} and run gen-nginx again` };
  }
  return { account };
}

export class Agent {
  private stopped = false;
  private leading = false;
  private wakeUp: (() => void) | null = null;
  private storeError: string | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly installer: Installer;
  private readonly failedUntil = new Map<string, number>();
  /** The content of the last status stored, and when. */
  private lastStatus: { content: string; at: number } | null = null;

  constructor(
    private config: Config,
    private readonly deps: AgentDeps,
  ) {
    this.installer = new Installer(deps.store, deps.fleetKey, config, {
      reload: deps.reload,
      reloadOwed: deps.reloadOwed,
      now: deps.now,
      log: deps.log,
      changed: () => void this.publishStatus(),
      storeState: (e) => this.storeState(e),
    });
  }

  get fleet() {
    return this.config.fleet!;
  }

  async run(): Promise<void> {
    this.deps.log(`started: node ${this.fleet.node}, prefix ${this.fleet.prefix}, ${this.config.certificates.length} certificate(s)`);
    await this.installer.resync();
    this.statusTimer = setInterval(() => void this.publishStatus(false), Math.max(1000, (this.fleet.leaseTtl * 1000) / 2));
    await this.publishStatus();
    while (!this.stopped) await this.campaignOnce();
    if (this.statusTimer) clearInterval(this.statusTimer);
    await this.installer.stop();
    this.deps.log('stopped');
  }

  /** SIGHUP: the config again; certificates added or changed are decided on now. */
  async hup(): Promise<void> {
    try {
      const next = await this.deps.loadConfig();
      this.config = next;
      this.installer.setConfig(next);
      this.deps.log(`config re-read: ${next.certificates.length} certificate(s)`);
    } catch (err) {
      this.deps.log(`config not re-read, still using the previous one: ${(err as Error).message}`);
    }
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async campaignOnce(): Promise<void> {
    const campaign = this.deps.store.campaign(this.fleet.node, this.fleet.leaseTtl);
    let lost = false;
    campaign.onLost((reason) => {
      lost = true;
      this.deps.log(`lost the leadership: ${reason}`);
      this.wake();
    });
    const stop = new Promise<null>((resolve) => {
      const check = setInterval(() => this.stopped && (clearInterval(check), resolve(null)), 100);
      void campaign.elected.finally(() => clearInterval(check)).catch(() => undefined);
    });
    let leadership;
    try {
      leadership = await Promise.race([campaign.elected, stop]);
    } catch (err) {
      this.storeState((err as Error).message);
      await campaign.resign();
      await this.sleep(RETRY_MS);
      return;
    }
    if (leadership === null) {
      await campaign.resign();
      return;
    }
    this.storeState(null);
    this.leading = true;
    this.deps.log('elected: this agent is the leader');
    await this.publishStatus();
    try {
      let account: AccountRecord | null = null;
      while (!this.stopped && !lost) {
        try {
          if (account === null) {
            const checked = await checkAccount(this.deps.store, this.config);
            if ('refused' in checked) {
              this.deps.log(`not ordering: ${checked.refused}`);
              await this.sleep(60_000);
              continue;
            }
            account = checked.account;
          }
          const ctx: LeaderContext = { store: this.deps.store, fleetKey: this.deps.fleetKey, config: this.config, leadership, account, commands: this.deps.commands, failedUntil: this.failedUntil };
          const next = await leaderRound(ctx, { certbot: this.deps.certbot, logTail: this.deps.logTail, now: this.deps.now, log: this.deps.log, stopped: () => this.stopped || lost });
          this.storeState(null);
          if (!this.stopped && !lost) await this.sleep(next.getTime() - this.deps.now().getTime());
        } catch (err) {
          if (err instanceof LostLeadershipError) {
            this.deps.log(err.message);
            break;
          }
          if (err instanceof StoreUnavailableError) this.storeState(err.message);
          else this.deps.log(`leader round failed: ${(err as Error).message}`);
          await this.sleep(RETRY_MS);
        }
      }
    } finally {
      this.leading = false;
      await campaign.resign();
      await this.publishStatus();
    }
  }

  private storeState(error: string | null): void {
    if (error === this.storeError || (error !== null && this.storeError !== null)) {
      this.storeError = error ?? this.storeError;
      return;
    }
    this.deps.log(error === null ? 'store available again' : `store unavailable: ${error}; serving what is installed, ordering nothing`);
    // Back: read everything again rather than trust a watch that was reconnecting meanwhile.
    if (error === null && this.storeError !== null) void this.installer.resync();
    this.storeError = error;
  }

  /** `force` false (the timer): only when the content changed, the store failed since, or STATUS_REFRESH_MS passed. */
  private async publishStatus(force = true): Promise<void> {
    if (this.stopped && !this.leading) return;
    const now = this.deps.now();
    const status = nodeStatus(this.fleet.node, this.leading, this.installer.states, this.installer.lastError, now);
    const content = statusContent(status);
    const last = this.lastStatus;
    if (!force && this.storeError === null && last?.content === content && now.getTime() - last.at < STATUS_REFRESH_MS) return;
    try {
      await this.deps.store.putWithSession(nodeKey(this.fleet.prefix, this.fleet.node), encodeNodeStatus(status), this.fleet.leaseTtl);
      this.lastStatus = { content, at: now.getTime() };
      this.storeState(null);
    } catch (err) {
      this.lastStatus = null;
      this.storeState((err as Error).message);
    }
  }
}
