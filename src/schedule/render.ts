/**
 * The schedule as text a user pastes: a crontab line, or a systemd service and
 * timer. Pure: the slot and the command (an argv array, absolute executable
 * first) come in, strings go out.
 */
import { UsageError, showValue } from '../lib/errors.js';
import { shellQuote } from '../lib/shell-quote.js';
import { describeSlot, pad, type Slot } from './slot.js';

/** Base name of the suggested unit files. */
export const UNIT_NAME = 'cert-wrap-renew';
export const UNIT_DIR = '/etc/systemd/system';

/**
 * PATH for the cron job. cron starts jobs with PATH=/usr/bin:/bin, which lacks
 * /usr/sbin where Debian installs nginx (found through PATH unless nginx.binary
 * is a path). This is the usual PATH of root.
 */
export const CRON_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Neither a crontab line nor a unit file can carry these; no real path needs them. */
function checkCommand(command: readonly string[]): void {
  const [executable] = command;
  if (executable === undefined || !executable.startsWith('/')) {
    throw new UsageError(`the scheduled command must start with an absolute path, not ${showValue(executable ?? '')}`);
  }
  for (const arg of command) {
    if (/[\u0000-\u001f\u007f]/.test(arg)) throw new UsageError(`cannot schedule a command containing a control character: ${showValue(arg)}`);
  }
}

/**
 * One word of a cron command. cron hands the command to /bin/sh, but first
 * turns an unescaped `%` into a newline (the rest becomes stdin) and drops the
 * backslash of `\%`. So each `%` is written as `\%` outside the shell quotes,
 * where no other backslash can come before it.
 */
export function cronWord(arg: string): string {
  if (arg === '') return "''";
  return arg
    .split('%')
    .map((piece) => (piece === '' ? '' : shellQuote(piece)))
    .join('\\%');
}

/** The crontab line for root's crontab (`crontab -e`: no user field). */
export function cronLine(slot: Slot, command: readonly string[], user?: string): string {
  checkCommand(command);
  const when = `${slot.minute} ${slot.hours.join(',')} * * *`;
  return `${when}${user === undefined ? '' : ` ${user}`} PATH=${CRON_PATH} ${command.map(cronWord).join(' ')}`;
}

/** The complete paste: comments saying where it goes, the /etc/cron.d variant, and the line. */
export function cronText(slot: Slot, command: readonly string[]): string {
  return [
    `# cert-wrap renew, twice a day at ${describeSlot(slot)} (local time).`,
    "# For root's crontab: run `crontab -e` as root and add the last line.",
    '# Or as a file /etc/cron.d/cert-wrap instead, where lines name the user:',
    `# ${cronLine(slot, command, 'root')}`,
    cronLine(slot, command),
    '',
  ].join('\n');
}

/**
 * One word of a systemd ExecStart= line (systemd.syntax(7), systemd.service(5)):
 * `%` starts a specifier and `$` a variable, so both are doubled; words that
 * are not plain go in double quotes, with `\` and `"` escaped. The executable
 * itself is not subject to `$` substitution, so its `$` stays single (checked
 * with systemd-analyze verify, which resolves the executable's path).
 */
export function systemdWord(arg: string, executable = false): string {
  let word = arg.replace(/%/g, '%%');
  if (!executable) word = word.replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./$-]+$/.test(word)) return word;
  return `"${word.replace(/[\\"]/g, '\\$&')}"`;
}

export function execStart(command: readonly string[]): string {
  checkCommand(command);
  // systemd refuses such an executable name outright ("contains special characters"), however quoted.
  if (/["'\\]/.test(command[0]!)) throw new UsageError(`systemd cannot run an executable whose path contains a quote or backslash: ${showValue(command[0])}`);
  return command.map((arg, i) => systemdWord(arg, i === 0)).join(' ');
}

export interface SystemdUnits {
  /** cert-wrap-renew.service */
  service: string;
  /** cert-wrap-renew.timer */
  timer: string;
}

export function onCalendar(slot: Slot): string {
  return `*-*-* ${slot.hours.map(pad).join(',')}:${pad(slot.minute)}:00`;
}

export function systemdUnits(slot: Slot, command: readonly string[]): SystemdUnits {
  const service = [
    `# ${UNIT_DIR}/${UNIT_NAME}.service`,
    '[Unit]',
    'Description=Renew certificates with cert-wrap',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${execStart(command)}`,
    '',
  ].join('\n');
  const timer = [
    `# ${UNIT_DIR}/${UNIT_NAME}.timer`,
    `# then: systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}.timer`,
    '[Unit]',
    `Description=Run cert-wrap renew twice a day, at ${describeSlot(slot)}`,
    '',
    '[Timer]',
    `OnCalendar=${onCalendar(slot)}`,
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { service, timer };
}
