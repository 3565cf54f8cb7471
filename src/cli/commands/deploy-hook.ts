/**
 * cert-wrap deploy-hook: what certbot runs after each issuance (it stores the
 * command in the lineage's renewal config, so a plain `certbot renew` deploys
 * the same way). Points the stable paths at the new lineage, makes the deploy
 * copies, runs the certificate's own deploy-hook, then reloads nginx; a
 * failure of one does not hide the others.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { renewalConfPath, syncRenewBeforeExpiry } from '../../adapters/certbot/renewal-conf.js';
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import type { Config } from '../../model/types.js';
import { showValue, UsageError } from '../../lib/errors.js';
import { cleanText } from '../../lib/secrets.js';
import { deployCertificate } from '../../run/deploy-steps.js';
import { lineageDir, liveDir } from '../../leaves/certbot-layout.js';
import { markReloadPending } from '../../adapters/store/pending-reload.js';
import { reloadBy } from '../../run/hooks.js';
import { reloadPending } from '../../run/reload-pending.js';

export async function deployHook(args: { config: string }): Promise<number> {
  const value = process.env.RENEWED_LINEAGE;
  if (!value) throw new UsageError('deploy-hook is run by certbot after an issuance, with RENEWED_LINEAGE set; it is not set here');
  const config = await loadConfigCached(args.config);
  const name = lineageName(config, value);
  const cert = config.certificates.find((c) => c.name === name);
  // certbot shows a hook's stderr as "error output": only failures go there.
  const say = (text: string, ok = true) => (ok ? process.stdout : process.stderr).write(`cert-wrap deploy-hook: ${cleanText(text, { lines: true })}\n`);
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

  const by = reloadBy(process.env);
  if (by === 'nobody') {
    say('nginx is not reloaded by cert-wrap (--no-reload)');
    return failed ? 1 : 0;
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
  return failed ? 1 : 0;
}

/**
 * certbot's renew_before_expiry for the lineage, recomputed from the new
 * certificate, so that a plain `certbot renew` never renews earlier than
 * cert-wrap would. A failure is reported; the deployment stands.
 */
function storeRenewalRule(config: Config, name: string, say: (text: string, ok?: boolean) => void): void {
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
