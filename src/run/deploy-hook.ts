/**
 * What certbot's deploy hook does after each issuance (certbot stores the
 * command in the lineage's renewal config, so a plain `certbot renew` deploys
 * the same way): point the stable paths at the new lineage, make the deploy
 * copies, run the certificate's own deploy-hook, then reload nginx, or leave
 * the reload to the session that started certbot (hooks.ts); a failure of one
 * does not hide the others.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { renewalConfPath, syncRenewBeforeExpiry } from '../adapters/certbot/renewal-conf.js';
import { markReloadPending } from '../adapters/store/pending-reload.js';
import { lineageDir, liveDir } from '../leaves/certbot-layout.js';
import { showValue, UsageError } from '../lib/errors.js';
import type { Config } from '../model/types.js';
import { deployCertificate } from './deploy-steps.js';
import { reloadBy } from './hooks.js';
import { reloadPending } from './reload-pending.js';

/** One line of the hook's report; ok false for a failure (certbot shows a hook's stderr as "error output"). */
export type Say = (text: string, ok?: boolean) => void;

/** Deploy the lineage certbot names in RENEWED_LINEAGE; false when a step failed. */
export async function deployLineage(config: Config, renewedLineage: string, env: NodeJS.ProcessEnv, say: Say): Promise<boolean> {
  const name = lineageName(config, renewedLineage);
  const cert = config.certificates.find((c) => c.name === name);
  let failed = false;
  if (!cert) {
    // certbot found NAME damaged and saved NAME-0001 instead: nothing points at it.
    failed = true;
    const base = /^(.+)-\d{4}$/.exec(name)![1]!;
    say(`certbot saved ${base} as lineage ${name}: nginx and the deploy copies still use ${base}; see cert-wrap's README on damaged lineages`, false);
  } else {
    failed = (await deployCertificate(config, cert, lineageDir(config.configDir, name), say)).length > 0;
    storeRenewalRule(config, name, say);
  }
  const by = reloadBy(env);
  if (by === 'nobody') {
    say('nginx is not reloaded by cert-wrap (--no-reload)');
    return !failed;
  }
  // Recorded first, so that the need to reload survives a crash from here on.
  markReloadPending(config.certsDir, name);
  if (by === 'session') {
    say('nginx will be reloaded once, after all certificates of this run');
  } else {
    const reload = await reloadPending(config);
    if (!reload.ok) failed = true;
    say(reload.message, reload.ok);
  }
  return !failed;
}

/**
 * certbot's renew_before_expiry for the lineage, recomputed from the new
 * certificate, so that a plain `certbot renew` never renews earlier than
 * cert-wrap would. A failure is reported; the deployment stands.
 */
function storeRenewalRule(config: Config, name: string, say: Say): void {
  try {
    const value = syncRenewBeforeExpiry(config.configDir, name, config.renewBefore);
    if (value !== null) say(`certbot's renew_before_expiry for ${name} is ${value}, cert-wrap's rule for this certificate`);
  } catch (err) {
    say(`cannot store renew_before_expiry in ${renewalConfPath(config.configDir, name)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, false);
  }
}

/**
 * The lineage name in RENEWED_LINEAGE, accepted only when the value is
 * CONFIG-DIR/live/NAME (compared as absolute paths, or as real paths when
 * both exist) for a certificate of the config, or certbot's NAME-000N of one.
 * Anything else is refused before anything is changed (exit 2).
 */
export function lineageName(config: Config, value: string): string {
  const live = liveDir(config.configDir);
  const refuse = (why: string): never => {
    throw new UsageError(`RENEWED_LINEAGE ${showValue(value)} ${why}; nothing was changed`);
  };
  if (!isAbsolute(value)) refuse(`is not an absolute path (certbot passes ${live}/NAME)`);
  const path = resolve(value);
  const name = basename(path);
  if (!samePath(dirname(path), live)) refuse(`is not in ${live}, where certbot keeps the lineages of ${config.sourceName}`);
  if (config.certificates.some((c) => c.name === name)) return name;
  const numbered = /^(.+)-\d{4}$/.exec(name);
  if (numbered && config.certificates.some((c) => c.name === numbered[1])) return name;
  return refuse(`names lineage ${showValue(name)}, which is not a certificate of ${config.sourceName}`);
}

function samePath(a: string, b: string): boolean {
  if (a === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
