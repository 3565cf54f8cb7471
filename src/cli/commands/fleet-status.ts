/** `cert-wrap status` for a fleet config: the whole fleet, from any node (exit 4 when the store is unavailable). */
import type { Config } from '../../model/types.js';
import { openEtcdStore } from '../../adapters/fleet/etcd-store.js';
import { fleetHealth, gatherFleet, renderFleetMetrics, renderFleetText } from '../../run/fleet/fleet-view.js';
import { RuntimeError } from '../../lib/errors.js';
import { writeOutputFile } from '../../lib/output-file.js';

/** The exit code by what the fleet view came to (the rows of cli/exit-codes.ts: 4 is EXIT.storeUnavailable). */
const FLEET_STATUS_EXIT = { 'store-unavailable': 4, 'node-errors': 1, ok: 0 } as const;

export async function fleetStatus(config: Config, args: { json: boolean; metrics?: string }): Promise<number> {
  const store = openEtcdStore(config.fleet!);
  let view;
  try {
    view = await gatherFleet(config, store);
  } finally {
    await store.close();
  }
  if (args.metrics) {
    try {
      writeOutputFile(args.metrics, renderFleetMetrics(view, new Date()));
    } catch (err) {
      throw new RuntimeError(`cannot write metrics to ${args.metrics}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  process.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : renderFleetText(view));
  return FLEET_STATUS_EXIT[fleetHealth(view)];
}
