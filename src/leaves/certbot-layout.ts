/**
 * certbot's disk layout: the one place that knows its default directories,
 * where a lineage lives (live/, archive/, renewal/NAME.conf), its log file,
 * and the "-0001" name it falls back to when a lineage's files are damaged.
 */
import { join } from 'node:path';
import { type CertificateReader, type Inspection, inspectFile } from './x509.js';

export const CERTBOT_DEFAULT_DIRS = { config: '/etc/letsencrypt', work: '/var/lib/letsencrypt', logs: '/var/log/letsencrypt' } as const;
export const DEFAULT_CONFIG_DIR = CERTBOT_DEFAULT_DIRS.config;
/** certbot's default ACME directory (Let's Encrypt's production CA). */
export const CERTBOT_DEFAULT_SERVER = 'https://acme-v02.api.letsencrypt.org/directory';

/** CONFIG-DIR/live: one directory of links per lineage. */
export function liveDir(configDir: string): string {
  return join(configDir, 'live');
}

/** CONFIG-DIR/live/NAME: cert.pem, chain.pem, fullchain.pem, privkey.pem (links into archive/). */
export function lineageDir(configDir: string, name: string): string {
  return join(configDir, 'live', name);
}

export function lineageFile(configDir: string, name: string, file: 'cert.pem' | 'chain.pem' | 'fullchain.pem' | 'privkey.pem'): string {
  return join(lineageDir(configDir, name), file);
}

export function archiveDir(configDir: string, name: string): string {
  return join(configDir, 'archive', name);
}

export function renewalConfPath(configDir: string, name: string): string {
  return join(configDir, 'renewal', `${name}.conf`);
}

export function accountsDir(configDir: string): string {
  return join(configDir, 'accounts');
}

export function logFile(logsDir: string): string {
  return join(logsDir, 'letsencrypt.log');
}

/** The name certbot issues into when NAME's renewal config, live or archive directory is damaged. */
export function fallbackLineageName(name: string): string {
  return `${name}-0001`;
}

/** What NAME's lineage holds (live/NAME/cert.pem); null when there is no lineage yet. */
export function inspectLineage(configDir: string, name: string, reader?: CertificateReader): Inspection | null {
  return inspectFile(lineageFile(configDir, name, 'cert.pem'), reader);
}
