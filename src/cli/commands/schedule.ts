/**
 * cert-wrap schedule: print the crontab line or the systemd units that run
 * `cert-wrap renew --quiet` twice a day, and warn about Debian's own certbot
 * schedule and a missing crontab command. With --systemd --write DIR, the two
 * units are written there (each atomically); otherwise nothing is written.
 */
import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigCached, ROOT_CACHE_DIR } from '../../adapters/store/config-cache.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { RuntimeError, UsageError } from '../../lib/errors.js';
import { fsReason } from '../../lib/fs-reason.js';
import { which } from '../../lib/which.js';
import { findConflicts, type Conflict } from '../../adapters/schedule/conflicts.js';
import { cronText, ENABLE_COMMAND, systemdPrintout, systemdUnits, type SystemdUnits, unitFiles } from '../../adapters/schedule/render.js';
import type { Config } from '../../model/types.js';
import { writablePaths } from '../../adapters/schedule/sandbox.js';
import { hostSeed } from '../../adapters/schedule/seed.js';
import { slotFromSeed } from '../../adapters/schedule/slot.js';

export interface ScheduleArgs {
  config: string;
  cron?: boolean;
  systemd?: boolean;
  seed?: string;
  write?: string;
  json: boolean;
}

export async function schedule(args: ScheduleArgs): Promise<number> {
  if (args.write !== undefined) checkUnitDir(args.write);
  const config = await loadConfigCached(args.config);
  if (config.fleet !== null) return scheduleAgent(config, args);
  // This very cert-wrap, by absolute paths: the launcher's real path, not a symlink such as node_modules/.bin/cert-wrap.
  const command = [process.execPath, realpathSync(process.argv[1]!), 'renew', '-c', config.sourcePath, '--quiet'];
  const slot = slotFromSeed(args.seed ?? hostSeed(config.sourcePath).seed);
  const conflicts = findConflicts();
  for (const c of conflicts) process.stderr.write(formatConflict(c));
  if (args.cron && which('crontab') === null) process.stderr.write(NO_CRONTAB);

  // The scheduled run is root's: its cache is root's.
  const output = args.cron ? { cron: cronText(slot, command) } : systemdUnits(slot, command, { writablePaths: writablePaths(config, ROOT_CACHE_DIR, await nginxPidFile(config)) });
  if (args.write !== undefined && !('cron' in output)) {
    const written = writeUnits(args.write, output);
    process.stderr.write(`cert-wrap: wrote ${written.join(' and ')}\n  then: ${ENABLE_COMMAND}\n`);
    return 0;
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ minute: slot.minute, hours: slot.hours, ...output, conflicts }, null, 2)}\n`);
  } else if ('cron' in output) {
    process.stdout.write(output.cron);
  } else {
    process.stdout.write(systemdPrintout(output));
    process.stderr.write(`cert-wrap: save each unit under the path its marker line names, then: ${ENABLE_COMMAND}\n`);
  }
  return 0;
}

/** A fleet config: the agent's service unit (it wakes itself; systemd restarts it). */
async function scheduleAgent(config: Config, args: ScheduleArgs): Promise<number> {
  if (!args.systemd) throw new UsageError(`${config.sourceName} is a fleet config: its nodes run "cert-wrap agent" as a service, not from cron; use --systemd`);
  const { agentUnit, agentPrintout, AGENT_UNIT, AGENT_ENABLE_COMMAND } = await import('../../adapters/schedule/agent-unit.js');
  const command = [process.execPath, realpathSync(process.argv[1]!), 'agent', '-c', config.sourcePath];
  const unit = agentUnit(command, { writablePaths: writablePaths(config, ROOT_CACHE_DIR, await nginxPidFile(config)) });
  if (args.write !== undefined) {
    const file = join(args.write, AGENT_UNIT);
    try {
      writeFileAtomic(file, unit, 0o644);
    } catch (err) {
      throw new RuntimeError(`cannot write ${file}: ${fsReason(err)}`);
    }
    process.stderr.write(`cert-wrap: wrote ${file}\n  then: ${AGENT_ENABLE_COMMAND}\n`);
    return 0;
  }
  process.stdout.write(args.json ? `${JSON.stringify({ service: unit }, null, 2)}\n` : agentPrintout(unit));
  if (!args.json) process.stderr.write(`cert-wrap: save the unit under the path its marker line names, then: ${AGENT_ENABLE_COMMAND}\n`);
  return 0;
}

export const NO_CRONTAB =
  'cert-wrap: warning: no crontab command is installed here, and no cron daemon will run the line: install one (Debian and Ubuntu: apt-get install cron), or schedule with --systemd instead\n';

export function formatConflict(c: Conflict): string {
  return `cert-wrap: ${c.severity}: ${c.message}\n  to fix: ${c.fix}\n`;
}

/** --write DIR must be an existing directory: checked before anything else (exit 2). */
function checkUnitDir(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--write ${dir}: not a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--write ${dir}: ${fsReason(err)}`);
  }
}

function writeUnits(dir: string, units: SystemdUnits): string[] {
  const files = unitFiles();
  const targets: [string, string][] = [
    [join(dir, files.service), units.service],
    [join(dir, files.timer), units.timer],
  ];
  for (const [file, text] of targets) {
    try {
      writeFileAtomic(file, text, 0o644);
    } catch (err) {
      throw new RuntimeError(`cannot write ${file}: ${fsReason(err)}`);
    }
  }
  return targets.map(([file]) => file);
}

/** nginx's pid file for ReadWritePaths=: the setting, else found as reload finds it; null (with a warning) when nginx cannot be asked. */
async function nginxPidFile(config: Config): Promise<string | null> {
  if (config.nginx.pidFile !== null) return config.nginx.pidFile;
  try {
    return (await (await import('../../adapters/nginx/host.js')).findNginxHost(config)).pidFile;
  } catch (err) {
    process.stderr.write(`cert-wrap: warning: nginx's pid file was not found (${(err as Error).message}): add its directory to ReadWritePaths= of the service, or set nginx.pid-file\n`);
    return null;
  }
}
