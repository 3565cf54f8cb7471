/**
 * A lineage that an interrupted certbot left half-written. certbot creates
 * renewal/NAME.conf empty and fills it last; killed in between, it then
 * treats NAME as taken by a broken lineage and issues into NAME-0001,
 * NAME-0002, ... on every later run, each a new certificate from the CA.
 * cert-wrap refuses to start certbot for such a certificate and says what to do.
 */
import { readFileSync } from 'node:fs';
import { archiveDir, fallbackLineageName, lineageDir, renewalConfPath } from '../../leaves/certbot-layout.js';

export function brokenLineage(configDir: string, name: string): string | null {
  const conf = renewalConfPath(configDir, name);
  let text: string;
  try {
    text = readFileSync(conf, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `cannot read ${conf}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  if (/^\s*archive_dir\s*=/m.test(text) && /^\s*fullchain\s*=/m.test(text)) return null;
  const dirs = [conf, lineageDir(configDir, name), archiveDir(configDir, name)];
  return (
    `${conf} is ${text.trim() === '' ? 'empty' : 'incomplete'} (certbot was interrupted while saving ${name}); ` +
    `certbot would issue into ${fallbackLineageName(name)} instead. Move these aside, then run again: ${dirs.join(' ')}`
  );
}
