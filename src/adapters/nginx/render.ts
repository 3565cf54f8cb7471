import type { Config } from '../../model/types.js';
import type { Render } from './templates.js';
import { hstsDroppedWarnings } from './header-warnings.js';
import { buildView } from './view-model.js';

/**
 * Config and the nginx version written for in, nginx text out: no fs, clock, env or randomness.
 * The version may be null only when no certificate has https (src/adapters/nginx/target-version.ts finds it).
 */
export function renderNginx(config: Config, template: Render, nginxVersion: string | null): string {
  return template(buildView(config, nginxVersion));
}

/** What the user should know about the output: names too long for the default hash, headers a body drops. */
export function renderWarnings(config: Config): string[] {
  return [...bucketSizeWarnings(config), ...hstsDroppedWarnings(config)];
}

/** Names long enough to need a larger server_names_hash_bucket_size than nginx's default of 64. */
export function bucketSizeWarnings(config: Config): string[] {
  let longest = '';
  for (const cert of config.certificates) for (const d of cert.domains) if (d.length > longest.length) longest = d;
  const needed = bucketSizeFor(longest.length);
  if (needed <= 64) return [];
  return [
    `server name "${longest}" (${longest.length} characters) needs "server_names_hash_bucket_size ${needed};" in nginx's http block` +
      ' (with the default of 64, nginx refuses to start once two servers share a port)',
  ];
}

/** Smallest power of two that holds a name of this length in nginx's server-names hash. */
export function bucketSizeFor(length: number): number {
  let size = 32;
  while (size < length + 18) size *= 2;
  return size;
}
