/** cert-wrap deploy-hook: what certbot runs after each issuance (see run/deploy-hook.ts). */
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { UsageError } from '../../lib/errors.js';
import { cleanText } from '../../lib/secrets.js';
import { deployLineage } from '../../run/deploy-hook.js';

export async function deployHook(args: { config: string }): Promise<number> {
  const value = process.env.RENEWED_LINEAGE;
  if (!value) throw new UsageError('deploy-hook is run by certbot after an issuance, with RENEWED_LINEAGE set; it is not set here');
  const config = await loadConfigCached(args.config);
  // certbot shows a hook's stderr as "error output": only failures go there.
  const say = (text: string, ok = true) => (ok ? process.stdout : process.stderr).write(`cert-wrap deploy-hook: ${cleanText(text, { lines: true })}\n`);
  return (await deployLineage(config, value, process.env, say)) ? 0 : 1;
}
