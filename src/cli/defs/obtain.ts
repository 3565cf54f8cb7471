import { type CommandDef, configOption, jsonOption } from './types.js';

export const obtainDef: CommandDef = {
  name: 'obtain',
  describe: 'run certbot for every certificate of the config, then reload nginx once if anything was issued',
  builder: (y) =>
    y
      .option('config', configOption)
      .option('cert', { type: 'string', array: true, describe: 'only this certificate (by name); repeatable' })
      .option('print', { type: 'boolean', default: false, describe: 'print the certbot commands (shell-quoted, secrets hidden) and run nothing' })
      .option('dry-run', { type: 'boolean', default: false, describe: "pass certbot's --dry-run: a full test issuance, nothing saved" })
      .option('json', jsonOption)
      .option('lock-timeout', { type: 'number', default: 60, describe: 'seconds to wait for another cert-wrap run on the same certbot directories' })
      .option('preflight', { type: 'boolean', default: true, describe: 'first check that each webroot name serves a probe file over http (--no-preflight to skip)' })
      .option('resolve', { type: 'string', array: true, describe: 'NAME:IP, like curl: where the preflight connects for NAME (repeatable)' })
      .example('$0 obtain -c /etc/cert-wrap/site.yaml', 'obtain every certificate')
      .example('$0 obtain -c site.yaml --cert example.org --dry-run', 'test one certificate against the CA without saving anything')
      .example('$0 obtain -c site.yaml --print', 'show the certbot commands'),
  run: async (args) => (await import('../commands/obtain.js')).obtain(args as never),
};
