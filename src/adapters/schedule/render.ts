/**
 * The schedule as text a user pastes: a crontab line, or a systemd service and
 * timer. Pure: the slot and the command (an argv array, absolute executable
 * first) come in, strings go out.
 */
import { UsageError, showValue } from '../../lib/errors.js';
import { shellQuote } from '../../leaves/shell-quote.js';
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

/** What the service may write; everything else is read-only for it (see sandbox.ts). */
export interface Sandbox {
  writablePaths: string[];
}

/** A hung run (a CA that never answers) must not block every later one: the service is stopped after this. */
export const TIMEOUT_START = '1h';

/** What the operator runs once the two units are in place. */
export const ENABLE_COMMAND = `systemctl daemon-reload && systemctl enable --now ${UNIT_NAME}.timer`;

export function onCalendar(slot: Slot): string {
  return `*-*-* ${slot.hours.map(pad).join(',')}:${pad(slot.minute)}:00`;
}

/**
 * One ReadWritePaths= entry. The leading `-` lets the unit start when a path
 * does not exist yet (systemd refuses to set up the namespace otherwise);
 * paths with a space are quoted (systemd.exec(5)).
 */
export function readWritePath(path: string): string {
  if (/["\\]/.test(path)) throw new UsageError(`systemd cannot list a writable path containing a quote or backslash: ${showValue(path)}`);
  const word = `-${path.replace(/%/g, '%%')}`;
  return /\s/.test(word) ? `"${word}"` : word;
}

export function systemdUnits(slot: Slot, command: readonly string[], sandbox: Sandbox = { writablePaths: [] }): SystemdUnits {
  const service = [
    '[Unit]',
    'Description=Renew certificates with cert-wrap',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${execStart(command)}`,
    `TimeoutStartSec=${TIMEOUT_START}`,
    '# Sandboxing: /usr, /boot and /etc are read-only except the paths cert-wrap, certbot,',
    '# the deploy copies and nginx need. A deploy-hook that writes elsewhere needs its own',
    '# ReadWritePaths= line, and one that must gain privileges (sudo, setuid) NoNewPrivileges=false:',
    `# put them in a drop-in (systemctl edit ${UNIT_NAME}.service).`,
    'PrivateTmp=true',
    'ProtectSystem=full',
    ...sandbox.writablePaths.map((p) => `ReadWritePaths=${readWritePath(p)}`),
    'NoNewPrivileges=true',
    '',
  ].join('\n');
  const timer = [
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

/** The file names of the two units. */
export function unitFiles(): { service: string; timer: string } {
  return { service: `${UNIT_NAME}.service`, timer: `${UNIT_NAME}.timer` };
}

/**
 * Both units as one printout, each after a marker line naming the file it
 * belongs in (as `head` prints several files), so nothing else lands inside a unit.
 */
export function systemdPrintout(units: SystemdUnits): string {
  const files = unitFiles();
  return [`# ==> ${UNIT_DIR}/${files.service} <==`, units.service, `# ==> ${UNIT_DIR}/${files.timer} <==`, units.timer].join('\n');
}
