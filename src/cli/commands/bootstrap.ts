/** cert-wrap bootstrap: stable certificate paths for every certificate, placeholders where none is issued yet. */
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { formatColumns } from '../output/table.js';
import { bootstrapCertificates } from '../../run/bootstrap.js';
import { selectCertificates } from '../../run/select.js';

export async function bootstrap(args: { config: string; cert?: string[]; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  const results = await bootstrapCertificates(config, selectCertificates(config, args.cert ?? []));
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ certsDir: config.certsDir, certificates: results }, null, 2)}\n`);
    return 0;
  }
  const said = { 'linked-lineage': 'now the issued certificate', placeholder: 'self-signed placeholder', unchanged: 'unchanged' };
  process.stdout.write(formatColumns(['NAME', 'STABLE PATHS', 'POINT TO'], results.map((r) => [r.name, said[r.action], r.target])));
  return 0;
}
