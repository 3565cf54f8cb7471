import { UsageError } from '../../lib/errors.js';
import { type CommandDef, configOption, jsonOption } from './types.js';

export const scheduleDef: CommandDef = {
  name: 'schedule',
  describe: 'print a crontab line (--cron) or a systemd service and timer (--systemd) running cert-wrap renew twice a day, at a minute fixed for this host',
  builder: (y) =>
    y
      .option('config', configOption)
      .option('cron', { type: 'boolean', describe: "print the line for root's crontab (and the /etc/cron.d variant)" })
      .option('systemd', { type: 'boolean', describe: 'print cert-wrap-renew.service and cert-wrap-renew.timer' })
      .option('seed', { type: 'string', describe: 'choose the minute and hours from this string instead of the machine id and config path' })
      .option('json', jsonOption)
      .check((argv) => {
        // Thrown rather than returned: yargs hands a returned message to .fail() as an error of its own (exit 1).
        const usage = (message: string) => new UsageError(`${message}\nRun "cert-wrap schedule --help" for usage.`);
        if ((argv.cron === true) === (argv.systemd === true)) throw usage('give exactly one of --cron or --systemd');
        if (argv.seed === '') throw usage('--seed needs a non-empty string');
        return true;
      })
      .example('$0 schedule -c /etc/cert-wrap/site.yaml --systemd', 'the systemd service and timer to install')
      .example('$0 schedule -c /etc/cert-wrap/site.yaml --cron', "the line for root's crontab"),
  run: async (args) => (await import('../commands/schedule.js')).schedule(args as never),
};
