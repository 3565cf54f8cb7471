import { defineCommand } from './parse.js';
import { certOption, configOption, jsonOption } from './types.js';

export const preflightDef = defineCommand({
  name: 'preflight',
  describe: 'check, without asking the CA, that every webroot name serves a probe file as the CA will fetch it',
  options: {
    config: configOption,
    cert: certOption,
    resolve: {
      type: 'string',
      arg: 'NAME:IP',
      array: true,
      describe: 'NAME:IP: connect to IP for NAME instead of asking DNS, like curl --resolve but without a port (IPv6 as NAME:[::1]); repeatable',
    },
    json: jsonOption,
    timeout: {
      type: 'number',
      arg: 'SECONDS',
      default: 10,
      range: { above: 0, max: 600, say: 'give the seconds to wait for each request, more than 0 and at most 600' },
      describe: 'seconds to wait for each request',
    },
  },
  examples: [
    ['$0 preflight -c /etc/cert-wrap/site.yaml', 'check every name before cert-wrap obtain'],
    ['$0 preflight -c site.yaml --resolve example.org:192.0.2.10', "fetch example.org from the server's public address"],
  ],
  run: async (args) => (await import('../commands/preflight.js')).preflight(args),
});
