/**
 * cert-wrap agent: the fleet's long-running process on every node (see
 * src/fleet/agent.ts). Refuses to start (exit 2) without a fleet section,
 * without the fleet key, or when the config's thumbprint is not the fleet
 * account's. One line per event on stderr. SIGHUP re-reads the config;
 * SIGTERM and SIGINT stop the running certbot, resign and exit 0.
 */
import { realpathSync } from 'node:fs';
import { acquireLock } from '../../adapters/certbot/lock.js';
import { readLogTail, runCertbot } from '../../adapters/certbot/run.js';
import { withSecretsFile } from '../../adapters/certbot/secrets-file.js';
import { loadConfig } from '../../model/load.js';
import type { Config } from '../../model/types.js';
import { Agent, checkAccount } from '../../run/fleet/agent.js';
import { fleetCommands } from '../../adapters/certbot/fleet-argv.js';
import { openEtcdStore } from '../../adapters/fleet/etcd-store.js';
import { readFleetKey } from '../../adapters/fleet/key.js';
import { StoreUnavailableError } from '../../lib/errors.js';
import { UsageError } from '../../lib/errors.js';
import { cleanText, redact } from '../../lib/secrets.js';
import { DEFAULT_CONFIG_DIR } from '../../leaves/certbot-layout.js';
import { pendingReload } from '../../adapters/store/pending-reload.js';
import { DEFER_RELOAD_ENV } from '../../run/hooks.js';
import { reloadPending } from '../../run/reload-pending.js';

export function requireFleet(config: Config): NonNullable<Config['fleet']> {
  if (config.fleet === null) throw new UsageError(`${config.sourceName} has no fleet section: this command is for fleet mode (see the README, "Fleet mode")`);
  return config.fleet;
}

export async function agent(args: { config: string }): Promise<number> {
  const config = loadConfig(args.config);
  const fleet = requireFleet(config);
  if (fleet.accountThumbprint === null) throw new UsageError(`fleet.account-thumbprint is not set: run "cert-wrap fleet init -c ${args.config}" and put the thumbprint it prints into the config`);
  const fleetKey = readFleetKey(fleet);
  const store = openEtcdStore(fleet);
  const log = (line: string) => process.stderr.write(`cert-wrap agent: ${cleanText(line)}\n`);
  try {
    const checked = await checkAccount(store, config);
    if ('refused' in checked) {
      await store.close();
      throw new UsageError(checked.refused);
    }
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err;
    log(`${err.message}: starting anyway; the account is checked before anything is ordered`);
  }
  const abort = new AbortController();
  const script = realpathSync(process.argv[1]!);
  const instance = new Agent(config, {
    loadConfig: async () => loadConfig(args.config),
    store,
    fleetKey,
    commands: fleetCommands(process.execPath, script, config.sourcePath),
    certbot: (c, argv, secrets) => runLocked(c, () => withSecretsFile(secrets, (extra) => runCertbot(c.certbot, [...argv, ...extra], { env: { [DEFER_RELOAD_ENV]: '1' }, signal: abort.signal, onLine: (l) => log(`certbot: ${redact(l)}`) }))),
    logTail: (c) => redact(readLogTail(c)),
    reload: (c) => reloadPending(c),
    reloadOwed: (c) => pendingReload(c.certsDir).length > 0,
    now: () => new Date(),
    log,
  });
  const onStop = () => {
    abort.abort();
    instance.stop();
  };
  const onHup = () => void instance.hup();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  try {
    await instance.run();
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
    await store.close();
  }
  // Everything was closed above; should a client library keep a handle open, the process still ends.
  setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  return 0;
}

/** certbot under the same lock as obtain and renew, so a manual run on this node waits for the agent's. */
async function runLocked<T>(config: Config, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(config.configDir ?? DEFAULT_CONFIG_DIR, 600);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
