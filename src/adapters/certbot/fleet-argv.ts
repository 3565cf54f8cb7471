/**
 * certbot's argv in a fleet, as data (pure): the single-host certonly argv
 * (certbot/args.ts) with HTTP-01 through the manual plugin and cert-wrap's
 * own auth hook (every node's nginx answers TOKEN.THUMBPRINT, nothing is
 * written anywhere), the fleet account, and the fleet's deploy hook, which
 * hands the new certificate to the agent through etcd. DNS-01 certificates
 * keep their own hooks.
 */
import { certonlyArgs, directoryArgs } from './args.js';
import type { Certificate, Config } from '../../model/types.js';
import { shellQuote } from '../../leaves/shell-quote.js';

export interface FleetCommands {
  /** The shell command of `cert-wrap fleet auth-hook -c CONFIG`. */
  authHook: string;
  /** The shell command of `cert-wrap fleet deploy-hook -c CONFIG`. */
  deployHook: string;
}

export function fleetCommands(nodePath: string, scriptPath: string, configPath: string): FleetCommands {
  const head = [shellQuote(nodePath), shellQuote(scriptPath), 'fleet'];
  return {
    authHook: [...head, 'auth-hook', '-c', shellQuote(configPath)].join(' '),
    deployHook: [...head, 'deploy-hook', '-c', shellQuote(configPath)].join(' '),
  };
}

/** The certificate as the fleet orders it: HTTP-01 by the manual plugin and the fleet's auth hook, unless it is DNS-01. */
export function fleetCertificate(cert: Certificate, commands: FleetCommands): Certificate {
  if (cert.challenge === 'dns') return cert;
  return { ...cert, challenge: 'http', authenticationHook: commands.authHook, cleanupHook: null };
}

export function fleetCertonlyArgs(config: Config, cert: Certificate, commands: FleetCommands, opts: { accountId: string; forceRenewal: boolean }): string[] {
  const args = certonlyArgs(config, fleetCertificate(cert, commands), { deployHook: commands.deployHook, dryRun: false, forceRenewal: opts.forceRenewal });
  return [...args, `--account=${opts.accountId}`];
}

/** `certbot register` into a private directory of its own (fleet init). */
export function registerArgs(config: Config, dirs: { configDir: string; workDir: string; logsDir: string }): string[] {
  const args = ['register', '--non-interactive', '--agree-tos'];
  args.push(...directoryArgs({ ...config, configDir: dirs.configDir, workDir: dirs.workDir, logsDir: dirs.logsDir }));
  args.push(...(config.email !== null ? [`--email=${config.email}`] : ['--register-unsafely-without-email']));
  if (config.server !== null) args.push(`--server=${config.server}`);
  return args;
}
