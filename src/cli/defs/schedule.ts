import { defineCommand } from './parse.js';
import { UsageError } from '../../lib/errors.js';
import { configOption, jsonOption } from './types.js';

export const scheduleDef = defineCommand({
  name: 'schedule',
  describe: 'print (or write) a crontab line (--cron) or a systemd service and timer (--systemd) running cert-wrap renew twice a day, at a minute fixed for this host',
  usage: '-c CONFIG (--cron | --systemd) [options]',
  options: {
    config: configOption,
    cron: { type: 'boolean', describe: "print the line for root's crontab (and the /etc/cron.d variant)" },
    systemd: { type: 'boolean', describe: 'print cert-wrap-renew.service and cert-wrap-renew.timer' },
    write: { type: 'string', arg: 'DIR', describe: 'with --systemd: write cert-wrap-renew.service and .timer into DIR (e.g. /etc/systemd/system), each atomically, instead of printing them' },
    seed: { type: 'string', arg: 'STRING', describe: 'choose the minute and hours from this string instead of the machine id and config path' },
    json: jsonOption,
  },
  check: (args) => {
    const usage = (message: string) => new UsageError(`${message}\nRun "cert-wrap schedule --help" for usage.`);
    if ((args.cron === true) === (args.systemd === true)) throw usage('give exactly one of --cron or --systemd');
    if (args.write !== undefined && args.systemd !== true) throw usage('--write DIR writes the systemd units: give it with --systemd');
    if (args.write === '') throw usage('--write needs a directory');
    if (args.seed === '') throw usage('--seed needs a non-empty string');
  },
  examples: [
    ['$0 schedule -c /etc/cert-wrap/site.yaml --systemd', 'the systemd service and timer to install'],
    ['$0 schedule -c site.yaml --systemd --write /etc/systemd/system', 'install the two units'],
    ['$0 schedule -c /etc/cert-wrap/site.yaml --cron', "the line for root's crontab"],
  ],
  run: async (args) => (await import('../commands/schedule.js')).schedule(args),
});
