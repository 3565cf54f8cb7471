import { type CommandDef, configOption, jsonOption } from './types.js';

const certOption = { type: 'string', array: true, describe: 'only this certificate (by name); repeatable' } as const;
const metricsOption = { type: 'string', describe: 'also write Prometheus textfile-collector metrics to FILE (atomically)' } as const;

export const statusDef: CommandDef = {
  name: 'status',
  describe: "each certificate's expiry, days left and next action (obtain, reissue, renew, none)",
  builder: (y) =>
    y
      .option('config', configOption)
      .option('cert', certOption)
      .option('json', jsonOption)
      .option('metrics', metricsOption)
      .example('$0 status -c /etc/cert-wrap/site.yaml', 'the table')
      .example('$0 status -c site.yaml --metrics /var/lib/node_exporter/cert-wrap.prom', 'for node_exporter'),
  run: async (args) => (await import('../commands/status.js')).status(args as never),
};

export const planDef: CommandDef = {
  name: 'plan',
  describe: 'what renew would do now: the action and the certbot command of each certificate',
  builder: (y) => y.option('config', configOption).option('cert', certOption).option('json', jsonOption).example('$0 plan -c site.yaml', 'show the plan'),
  run: async (args) => (await import('../commands/status.js')).plan(args as never),
};

export const renewDef: CommandDef = {
  name: 'renew',
  describe: 'run certbot only for certificates that need it (new, names changed, or due); nothing at all when none does',
  builder: (y) =>
    y
      .option('config', configOption)
      .option('cert', certOption)
      .option('dry-run', { type: 'boolean', default: false, describe: "pass certbot's --dry-run for the certificates that need something" })
      .option('json', jsonOption)
      .option('lock-timeout', { type: 'number', default: 60, describe: 'seconds to wait for another cert-wrap run on the same certbot directories' })
      .option('preflight', { type: 'boolean', default: true, describe: 'first check that each webroot name serves a probe file over http (--no-preflight to skip)' })
      .option('resolve', { type: 'string', array: true, describe: 'NAME:IP, like curl: where the preflight connects for NAME (repeatable)' })
      .option('metrics', metricsOption)
      .example('$0 renew -c /etc/cert-wrap/site.yaml', 'what the twice-daily schedule runs')
      .example('$0 renew -c site.yaml --json | jq .renewed', '"renewed or not" for scripts'),
  run: async (args) => (await import('../commands/renew.js')).renew(args as never),
};

export const bootstrapDef: CommandDef = {
  name: 'bootstrap',
  describe: 'give every certificate its stable paths (CERTS-DIR/NAME/{fullchain,privkey}.pem): the issued one, else a self-signed placeholder',
  builder: (y) =>
    y
      .option('config', configOption)
      .option('cert', certOption)
      .option('json', jsonOption)
      .example('$0 bootstrap -c site.yaml && nginx -t && systemctl reload nginx', 'first deploy: nginx can start with its HTTPS servers'),
  run: async (args) => (await import('../commands/bootstrap.js')).bootstrap(args as never),
};
