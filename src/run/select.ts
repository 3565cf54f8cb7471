/** The certificates a command works on: all, or those named with --cert. */
import type { Certificate, Config } from '../model/types.js';
import { UsageError } from '../lib/errors.js';

export { ownDeployHook } from './hooks.js';

export function selectCertificates(config: Config, names: string[]): Certificate[] {
  if (names.length === 0) return config.certificates;
  const known = new Map(config.certificates.map((c) => [c.name, c]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`--cert ${unknown.map((n) => JSON.stringify(n)).join(', ')}: no such certificate in ${config.sourceName} (known: ${[...known.keys()].join(', ')})`);
  }
  return config.certificates.filter((c) => names.includes(c.name));
}
