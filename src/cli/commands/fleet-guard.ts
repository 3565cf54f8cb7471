/** Commands that order certificates on their own are refused for a fleet config: there, the elected agent orders. */
import type { Config } from '../../model/types.js';
import { UsageError } from '../../lib/errors.js';

export function refuseInFleet(config: Config, command: string): void {
  if (config.fleet === null) return;
  throw new UsageError(
    `${config.sourceName} is a fleet config: certificates are ordered by the elected "cert-wrap agent" and published to every node, not by "cert-wrap ${command}" on one node (see "cert-wrap status -c ${config.sourcePath}")`,
  );
}
