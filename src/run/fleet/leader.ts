/**
 * One round of the leader: for each certificate, the decision (decision.ts),
 * then an order when one is due: the marker first (orders/NAME, guarded by
 * the leadership), certbot with the fleet's argv, then the result (from the
 * fleet deploy hook through etcd, else certbot's lineage, which a lineage
 * that certbot kept as "not yet due" also is) published in ONE transaction
 * guarded by the leadership. Returns when the next round is due.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../../adapters/certbot/outcome.js';
import type { CertbotResult } from '../../adapters/certbot/run.js';
import { secretsIni } from '../../adapters/certbot/secrets-file.js';
import type { Certificate, Config } from '../../model/types.js';
import { LostLeadershipError } from '../../lib/errors.js';
import { nextTurn } from '../../lib/next-turn.js';
import { lineageDir } from '../../leaves/certbot-layout.js';
import { inspectPem } from '../../leaves/x509.js';
import { stablePaths } from '../../model/paths.js';
import { type AccountRecord, materializeAccount } from '../../adapters/fleet/account.js';
import { type FleetCommands, fleetCertonlyArgs } from '../../adapters/certbot/fleet-argv.js';
import { open } from '../../lib/seal.js';
import { fleetDecision } from './decision.js';
import { installedSerial } from './install.js';
import { certKey, keyAad, orderKey, ordersPrefix } from '../../adapters/fleet/layout.js';
import { type OrderMarker, orderState, parseOrder } from '../../adapters/fleet/order.js';
import { makeRecord, verifyRecord } from '../../adapters/fleet/record.js';
import type { FleetStore, Leadership } from '../../adapters/fleet/store.js';

/** At least twice a day, whatever is due. */
export const MAX_SLEEP_MS = 12 * 3600_000;
/** After a failed order, the next attempt. */
export const RETRY_AFTER_FAILURE_MS = 3600_000;


export interface LeaderDeps {
  certbot(config: Config, args: string[], secrets: string | null): Promise<CertbotResult>;
  logTail(config: Config): string;
  now(): Date;
  log(line: string): void;
  stopped(): boolean;
}

export interface LeaderContext {
  store: FleetStore;
  fleetKey: Buffer;
  config: Config;
  leadership: Leadership;
  account: AccountRecord;
  commands: FleetCommands;
  /** NAME -> time before which a failed order is not retried (kept across rounds). */
  failedUntil: Map<string, number>;
}

export async function leaderRound(ctx: LeaderContext, deps: LeaderDeps): Promise<Date> {
  const now = deps.now();
  let wake = now.getTime() + MAX_SLEEP_MS;
  const soon = (t: number) => (wake = Math.min(wake, t));
  const snap = await ctx.store.readCerts();
  // Every order marker in one paged read: during this round only this leader's own orders change them
  // (each re-read by orderOne after certbot), so the others stay as read here.
  const orders = await ctx.store.list(ordersPrefix(ctx.config.fleet!.prefix));
  let materialized = false;
  for (const cert of ctx.config.certificates) {
    // Nothing below need wait on etcd for a certificate that is not due: let the keep-alives run.
    await nextTurn();
    if (deps.stopped()) break;
    const published = snap.values.get(cert.name) ?? null;
    const fd = fleetDecision(cert, published, installedFullchain(ctx.config, cert), ctx.fleetKey, now, ctx.config.renewBefore);
    if (fd.refused) deps.log(`refused ${cert.name}: the published value ${fd.refused}`);
    const marker = parseOrder(orders.get(cert.name) ?? null);
    const state = orderState(marker, ctx.config.fleet!.node, ctx.config.fleet!.orderGrace, now);
    if (state.kind === 'result') {
      await publishResult(ctx, deps, cert, state.marker, fd.current?.version ?? 0, 'an interrupted order');
      continue;
    }
    if (state.kind === 'wait') {
      deps.log(`waiting for ${cert.name}: ${state.marker.node} started an order at ${state.marker.startedAt}; ordering again from ${state.until.toISOString()} if it brings no result`);
      soon(state.until.getTime());
      continue;
    }
    const action = fd.decision.action;
    if (action === 'none' || action === 'unknown') {
      if (fd.decision.dueAt) soon(fd.decision.dueAt.getTime());
      continue;
    }
    const retryAt = ctx.failedUntil.get(cert.name) ?? 0;
    if (retryAt > now.getTime()) {
      soon(retryAt);
      continue;
    }
    if (!materialized) {
      materializeAccount(ctx.fleetKey, ctx.account, ctx.config.configDir);
      materialized = true;
    }
    const ok = await orderOne(ctx, deps, cert, action, fd.current?.serial ?? null, fd.current?.version ?? 0, fd.decision.reason);
    if (!ok) {
      ctx.failedUntil.set(cert.name, now.getTime() + RETRY_AFTER_FAILURE_MS);
      soon(now.getTime() + RETRY_AFTER_FAILURE_MS);
    } else ctx.failedUntil.delete(cert.name);
  }
  return new Date(Math.max(wake, now.getTime() + 1000));
}

async function orderOne(ctx: LeaderContext, deps: LeaderDeps, cert: Certificate, action: string, replaces: string | null, version: number, reason: string): Promise<boolean> {
  const fleet = ctx.config.fleet!;
  const key = orderKey(fleet.prefix, cert.name);
  const marker: OrderMarker = { node: fleet.node, startedAt: deps.now().toISOString(), action, replaces };
  if (!(await ctx.store.putIfLeader(ctx.leadership, { [key]: JSON.stringify(marker) }))) throw new LostLeadershipError(`not ordering ${cert.name}: this agent is no longer the leader`);
  deps.log(`ordering ${cert.name} (${action}: ${reason})`);
  const args = fleetCertonlyArgs(ctx.config, cert, ctx.commands, { accountId: ctx.account.id, forceRenewal: action === 'renew' });
  const result = await deps.certbot(ctx.config, args, secretsIni(ctx.config));
  const stoppedBy = result.signal ?? (result.canceled ? 'SIGTERM' : null);
  const outcome =
    result.startError !== null
      ? { kind: 'failed' as const, reason: `cannot run certbot: ${result.startError}` }
      : stoppedBy !== null
        ? { kind: 'failed' as const, reason: `certbot was stopped by ${stoppedBy}` }
        : classify(result.exitCode ?? 1, result.output, result.exitCode === 0 ? '' : deps.logTail(ctx.config));
  const after = parseOrder(await ctx.store.get(key));
  if (after?.result && after.node === fleet.node) return publishResult(ctx, deps, cert, after, version, 'this order');
  if (outcome.kind === 'failed') {
    deps.log(`order failed ${cert.name}: ${outcome.reason}`);
    await ctx.store.putIfLeader(ctx.leadership, {}, [key]);
    return false;
  }
  // certbot kept what its lineage holds ("not yet due"): that lineage is the result, unless it is what is published.
  const lineage = readLineage(ctx.config, cert);
  if (lineage === null) {
    deps.log(`order failed ${cert.name}: certbot succeeded but its lineage cannot be read`);
    return false;
  }
  // Nothing new (e.g. certbot saved the new certificate under another lineage name): never loop on ordering.
  if (replaces !== null && serialOf(lineage.fullchain) === replaces) {
    deps.log(`order failed ${cert.name}: certbot's lineage still holds the published certificate (serial ${replaces}); retrying later`);
    await ctx.store.putIfLeader(ctx.leadership, {}, [key]);
    return false;
  }
  return publish(ctx, deps, cert, lineage, version, 'certbot\'s lineage');
}

async function publishResult(ctx: LeaderContext, deps: LeaderDeps, cert: Certificate, marker: OrderMarker, version: number, what: string): Promise<boolean> {
  let privkey: string;
  try {
    privkey = open(ctx.fleetKey, marker.result!.key, keyAad(cert.name)).toString('utf8');
  } catch (err) {
    deps.log(`refused the result of ${what} for ${cert.name}: the private key ${(err as Error).message}`);
    await ctx.store.putIfLeader(ctx.leadership, {}, [orderKey(ctx.config.fleet!.prefix, cert.name)]);
    return false;
  }
  return publish(ctx, deps, cert, { fullchain: marker.result!.fullchain, privkey }, version, what);
}

async function publish(ctx: LeaderContext, deps: LeaderDeps, cert: Certificate, pem: { fullchain: string; privkey: string }, version: number, what: string): Promise<boolean> {
  const fleet = ctx.config.fleet!;
  const record = makeRecord(ctx.fleetKey, cert.name, pem, version + 1, fleet.node, deps.now());
  const text = JSON.stringify(record);
  const check = verifyRecord(ctx.fleetKey, cert, text, deps.now());
  if (!check.ok) {
    deps.log(`not publishing ${cert.name} from ${what}: ${check.reason}`);
    await ctx.store.putIfLeader(ctx.leadership, {}, [orderKey(fleet.prefix, cert.name)]);
    return false;
  }
  const ok = await ctx.store.putIfLeader(ctx.leadership, { [certKey(fleet.prefix, cert.name)]: text }, [orderKey(fleet.prefix, cert.name)]);
  if (!ok) throw new LostLeadershipError(`not published ${cert.name} serial ${record.serial}: this agent is no longer the leader`);
  deps.log(`published ${cert.name} serial ${record.serial} version ${record.version} (from ${what})`);
  return true;
}

function serialOf(pem: string): string | null {
  try {
    return inspectPem(pem, 'lineage').serial;
  } catch {
    return null;
  }
}

function readLineage(config: Config, cert: Certificate): { fullchain: string; privkey: string } | null {
  const dir = lineageDir(config.configDir, cert.name);
  try {
    return { fullchain: readFileSync(join(dir, 'fullchain.pem'), 'utf8'), privkey: readFileSync(join(dir, 'privkey.pem'), 'utf8') };
  } catch {
    return null;
  }
}

/** What this node serves from the fleet (never a placeholder or a single-host lineage). */
function installedFullchain(config: Config, cert: Certificate): string | null {
  if (installedSerial(config, cert) === null) return null;
  try {
    return readFileSync(stablePaths(config.certsDir, cert.name).fullchain, 'utf8');
  } catch {
    return null;
  }
}
