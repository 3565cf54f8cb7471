/**
 * cert-wrap schedule: print the crontab line or the systemd units that run
 * `cert-wrap renew` twice a day, and warn about Debian's own certbot schedule.
 * Writes nothing: the output is for the operator to install.
 */
import { realpathSync } from 'node:fs';
import { loadConfigCached } from '../../config/cached.js';
import { findConflicts, type Conflict } from '../../schedule/conflicts.js';
import { cronText, systemdUnits } from '../../schedule/render.js';
import { hostSeed } from '../../schedule/seed.js';
import { slotFromSeed } from '../../schedule/slot.js';

export async function schedule(args: { config: string; cron?: boolean; systemd?: boolean; seed?: string; json: boolean }): Promise<number> {
  const config = await loadConfigCached(args.config);
  // This very cert-wrap, by absolute paths: the launcher's real path, not a symlink such as node_modules/.bin/cert-wrap.
  const command = [process.execPath, realpathSync(process.argv[1]!), 'renew', '-c', config.sourcePath];
  const slot = slotFromSeed(args.seed ?? hostSeed(config.sourcePath).seed);
  const conflicts = findConflicts();
  for (const c of conflicts) process.stderr.write(formatConflict(c));

  const output = args.cron ? { cron: cronText(slot, command) } : systemdUnits(slot, command);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ minute: slot.minute, hours: slot.hours, ...output, conflicts }, null, 2)}\n`);
  } else if ('cron' in output) {
    process.stdout.write(output.cron);
  } else {
    process.stdout.write(`${output.service}\n${output.timer}`);
  }
  return 0;
}

export function formatConflict(c: Conflict): string {
  return `cert-wrap: ${c.severity}: ${c.message}\n  to fix: ${c.fix}\n`;
}
