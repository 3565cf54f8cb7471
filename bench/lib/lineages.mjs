// Real certificates in certbot's directory layout, made once per benchmark
// run by the project's lab (lab/lineage.ts, certificates made in-process), with
// one throwaway issuer so that chain and fullchain are what certbot expects,
// and renewal/NAME.conf so that certbot manages them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lab } from './lab.mjs';

/**
 * @param {string} configDir certbot's --config-dir
 * @param {{ name: string, domains: string[] }[]} lineages
 * @param {{ notBefore: Date, notAfter: Date, webroot: string, server: string }} opts
 */
export function makeLineages(configDir, lineages, opts) {
  const issuer = lab.makeIssuer('cert-wrap bench issuer', { notBefore: opts.notBefore, notAfter: opts.notAfter });
  mkdirSync(path.join(configDir, 'renewal'), { recursive: true });
  for (const l of lineages) {
    lab.makeLineage(configDir, { name: l.name, domains: l.domains, notBefore: opts.notBefore, notAfter: opts.notAfter, issuer });
    writeFileSync(path.join(configDir, 'renewal', `${l.name}.conf`), renewalConf(configDir, l, opts));
  }
}

/** A minimal renewal configuration of the kind certbot 2.x writes for a webroot certificate. */
function renewalConf(configDir, l, opts) {
  const live = path.join(configDir, 'live', l.name);
  return [
    'version = 2.1.0',
    `archive_dir = ${path.join(configDir, 'archive', l.name)}`,
    `cert = ${live}/cert.pem`,
    `privkey = ${live}/privkey.pem`,
    `chain = ${live}/chain.pem`,
    `fullchain = ${live}/fullchain.pem`,
    '',
    '[renewalparams]',
    'authenticator = webroot',
    `webroot_path = ${opts.webroot},`,
    `server = ${opts.server}`,
    'key_type = ecdsa',
    '[[webroot_map]]',
    ...l.domains.map((d) => `${d} = ${opts.webroot}`),
    '',
  ].join('\n');
}
