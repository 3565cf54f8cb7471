import { defineCommand } from './parse.js';
import { certOption, configOption, jsonOption, lockTimeoutOption, preflightOptions, reloadOption, type StringSpec } from './types.js';

const metricsOption = { type: 'string', arg: 'FILE', describe: 'also write Prometheus textfile-collector metrics to FILE (atomically)' } as const satisfies StringSpec;

export const statusDef = defineCommand({
  name: 'status',
  describe: "each certificate's expiry, days left and next action (obtain, reissue, renew, none)",
  options: {
    config: configOption,
    cert: certOption,
    json: jsonOption,
    metrics: metricsOption,
    check: { type: 'boolean', default: false, describe: 'for Nagios/Icinga: one summary line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN' },
    warning: { type: 'string', arg: 'DAYS', describe: 'with --check: WARNING at or under this many days left (default 14)' },
    critical: { type: 'string', arg: 'DAYS', describe: 'with --check: CRITICAL at or under this many days left (default: alert-before, 7)' },
  },
  examples: [
    ['$0 status -c /etc/cert-wrap/site.yaml --check --warning 21 --critical 7', 'a monitoring check'],
    ['$0 status -c /etc/cert-wrap/site.yaml', 'the table'],
    ['$0 status -c site.yaml --metrics /var/lib/node_exporter/cert-wrap.prom', 'for node_exporter'],
  ],
  run: async (args) => (await import('../commands/status.js')).status(args),
});

export const planDef = defineCommand({
  name: 'plan',
  describe: 'what renew would do now: the action and the certbot command of each certificate',
  options: { config: configOption, cert: certOption, json: jsonOption },
  examples: [['$0 plan -c site.yaml', 'show the plan']],
  run: async (args) => (await import('../commands/plan.js')).plan(args),
});

export const renewDef = defineCommand({
  name: 'renew',
  describe: 'run certbot only for certificates that need it (new, names changed, or due); nothing at all when none does',
  options: {
    config: configOption,
    cert: certOption,
    'dry-run': { type: 'boolean', default: false, describe: "pass certbot's --dry-run for the certificates that need something" },
    json: jsonOption,
    'lock-timeout': lockTimeoutOption,
    metrics: metricsOption,
    reload: reloadOption,
    quiet: { type: 'boolean', default: false, describe: 'print nothing when nothing was renewed and nothing failed (for cron and timers)' },
    ...preflightOptions,
  },
  examples: [
    ['$0 renew -c /etc/cert-wrap/site.yaml --quiet', 'what the twice-daily schedule runs'],
    ['$0 renew -c site.yaml --json | jq .renewed', '"renewed or not" for scripts'],
  ],
  run: async (args) => (await import('../commands/renew.js')).renew(args),
});

export const bootstrapDef = defineCommand({
  name: 'bootstrap',
  describe: 'give every certificate its stable paths (CERTS-DIR/NAME/{fullchain,privkey}.pem): the issued one, else a self-signed placeholder',
  options: { config: configOption, cert: certOption, json: jsonOption },
  examples: [['$0 bootstrap -c site.yaml && nginx -t && systemctl reload nginx', 'first deploy: nginx can start with its HTTPS servers']],
  run: async (args) => (await import('../commands/bootstrap.js')).bootstrap(args),
});
