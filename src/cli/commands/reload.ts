/** cert-wrap reload: `nginx -t` on the running master's configuration, then SIGHUP. */
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { RuntimeError } from '../../lib/errors.js';
import { reloadPending } from '../../run/reload-pending.js';

export async function reload(args: { config: string; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  const result = await reloadPending(config);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.ok ? 0 : 1;
  }
  if (!result.ok) throw new RuntimeError(result.message);
  process.stdout.write(`${result.message}\n`);
  return 0;
}
