import { defineCommand } from './parse.js';
import { certOption, configOption, jsonOption, lockTimeoutOption, preflightOptions, reloadOption } from './types.js';

export const obtainDef = defineCommand({
  name: 'obtain',
  describe: 'run certbot for the certificates of the config that need it (new, names changed, or due; all with --force), then reload nginx once if anything was issued',
  options: {
    config: configOption,
    cert: certOption,
    print: { type: 'boolean', default: false, describe: 'print the certbot commands (shell-quoted, secrets hidden) and run nothing' },
    'dry-run': { type: 'boolean', default: false, describe: "pass certbot's --dry-run: a full test issuance, nothing saved" },
    force: { type: 'boolean', default: false, describe: 'reissue certificates that are not due too (a new certificate is always ordered)' },
    json: jsonOption,
    'lock-timeout': lockTimeoutOption,
    reload: reloadOption,
    ...preflightOptions,
  },
  examples: [
    ['$0 obtain -c /etc/cert-wrap/site.yaml', 'obtain every certificate'],
    ['$0 obtain -c site.yaml --cert example.org --dry-run', 'test one certificate against the CA without saving anything'],
    ['$0 obtain -c site.yaml --print', 'show the certbot commands'],
    ['$0 obtain -c site.yaml --cert example.org --force', 'reissue a certificate now, due or not'],
  ],
  run: async (args) => (await import('../commands/obtain.js')).obtain(args),
});
