/**
 * The deploy-hook protocol between cert-wrap and the certbot runs it starts,
 * in one place: the command certbot stores as the lineage's deploy hook (this
 * very cert-wrap, with this config), and how the session tells that hook who
 * reloads nginx. The hooks' commands are checked up front in checks.ts; the
 * deploy steps a hook runs are in deploy-steps.ts.
 */
import { realpathSync } from 'node:fs';
import { deployHookCommand } from '../adapters/certbot/args.js';
import type { Config } from '../model/types.js';

/** Set by the session for the certbot runs it starts: the deploy hook then leaves the reload to it. */
export const DEFER_RELOAD_ENV = 'CERT_WRAP_DEFER_RELOAD';
/** Its value under --no-reload: something else reloads nginx, so no reload is recorded as pending. */
const NO_RELOAD = 'no-reload';

/** Who reloads nginx after a deploy: the hook itself (certbot run by hand), the session at its end, or nobody (--no-reload). */
export type ReloadBy = 'hook' | 'session' | 'nobody';

/** The environment of a certbot run started by the session. */
export function hookEnv(deferReload: boolean): Record<string, string> {
  return { [DEFER_RELOAD_ENV]: deferReload ? '1' : NO_RELOAD };
}

/** What the deploy hook reads from its environment. */
export function reloadBy(env: NodeJS.ProcessEnv): ReloadBy {
  const value = env[DEFER_RELOAD_ENV];
  return value === NO_RELOAD ? 'nobody' : value ? 'session' : 'hook';
}

/** The deploy hook certbot stores: this very cert-wrap, with this config. */
export function ownDeployHook(config: Config): string {
  return deployHookCommand(process.execPath, realpathSync(process.argv[1]!), config.sourcePath);
}
