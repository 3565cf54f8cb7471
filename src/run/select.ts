/** The certificates a command works on, and the deploy hook certbot stores for them. */
import { realpathSync } from 'node:fs';
import { deployHookCommand } from '../adapters/certbot/args.js';
import type { Certificate, Config } from '../model/types.js';
import { UsageError } from '../lib/errors.js';

/** The deploy hook certbot stores: this very cert-wrap, with this config. */
export function ownDeployHook(config: Config): string {
  return deployHookCommand(process.execPath, realpathSync(process.argv[1]!), config.sourcePath);
}

export function selectCertificates(config: Config, names: string[]): Certificate[] {
  if (names.length === 0) return config.certificates;
  const known = new Map(config.certificates.map((c) => [c.name, c]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`--cert ${unknown.map((n) => JSON.stringify(n)).join(', ')}: no such certificate in ${config.sourceName} (known: ${[...known.keys()].join(', ')})`);
  }
  return config.certificates.filter((c) => names.includes(c.name));
}
