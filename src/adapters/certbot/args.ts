/**
 * certbot's argv for one certificate, as data: a fixed head, then flags that
 * depend on the config. Pure: no fs, env or clock.
 *
 * Values that come from the user and could start with "-" are passed in the
 * `--flag=value` form, so that no value can ever be read as another flag.
 * Secrets are never in argv: see secrets-file.ts.
 */
import type { Certificate, Config } from '../../model/types.js';
import { shellJoin, shellQuote } from '../../leaves/shell-quote.js';
import { PRINTED_CONFIG_ARG } from './secrets-file.js';

export interface CertbotRunOptions {
  /** The shell command certbot runs after each issuance (see deployHookCommand). */
  deployHook: string;
  /** certbot --dry-run: talk to the CA's staging flow, save nothing. */
  dryRun: boolean;
  /** certbot --force-renewal: cert-wrap decided that renewal is due (certbot would otherwise decide itself). */
  forceRenewal: boolean;
}

export function certonlyArgs(config: Config, cert: Certificate, opts: CertbotRunOptions): string[] {
  const args = ['certonly', '--non-interactive', '--agree-tos', '--cert-name', cert.name];
  for (const domain of cert.domains) args.push('-d', domain);
  args.push(...directoryArgs(config));
  if (cert.challenge === null) {
    args.push('--webroot', '-w', config.webroot);
  } else {
    args.push('--manual', '--preferred-challenges', cert.challenge);
    if (cert.authenticationHook !== null) args.push(`--manual-auth-hook=${cert.authenticationHook}`);
    if (cert.cleanupHook !== null) args.push(`--manual-cleanup-hook=${cert.cleanupHook}`);
  }
  args.push(...(config.email !== null ? [`--email=${config.email}`] : ['--register-unsafely-without-email']));
  if (config.server !== null) args.push(`--server=${config.server}`);
  if (config.rsaKeySize !== null) {
    // certbot >= 2.0 defaults to ECDSA and ignores --rsa-key-size without --key-type rsa.
    args.push('--key-type', 'rsa', '--rsa-key-size', String(config.rsaKeySize));
  } else if (config.keyType !== null) {
    args.push('--key-type', config.keyType);
  }
  args.push(`--deploy-hook=${opts.deployHook}`);
  if (opts.forceRenewal) args.push('--force-renewal');
  if (opts.dryRun) args.push('--dry-run');
  return args;
}

export function directoryArgs(config: Config): string[] {
  const args: string[] = [];
  if (config.certbotDirsSet.config) args.push('--config-dir', config.configDir);
  if (config.certbotDirsSet.work) args.push('--work-dir', config.workDir);
  if (config.certbotDirsSet.logs) args.push('--logs-dir', config.logsDir);
  return args;
}

/**
 * The command certbot stores as the lineage's deploy hook, so that a later
 * plain `certbot renew` deploys the same way: absolute paths, shell-quoted.
 * certbot checks that the first word is an executable, so it stays unquoted
 * whenever it can.
 */
export function deployHookCommand(nodePath: string, scriptPath: string, configPath: string): string {
  return [shellQuote(nodePath), shellQuote(scriptPath), 'deploy-hook', '-c', shellQuote(configPath)].join(' ');
}

/**
 * `--print`: the command as it runs, shell-quoted. With secrets, the last
 * argument is the private file that holds them, shown as a shell variable.
 */
export function printable(certbot: string, args: readonly string[], secrets: boolean): string {
  return [shellJoin([certbot, ...args]), ...(secrets ? [PRINTED_CONFIG_ARG] : [])].join(' ');
}
