import { defineCommand } from './parse.js';
import { configOption, jsonOption, lockTimeoutOption, preflightOptions } from './types.js';

/** Debian's and most distributions' nginx.conf include conf.d/*.conf inside http { }. */
export const DEFAULT_NGINX_CONF = '/etc/nginx/conf.d/cert-wrap.conf';

export const applyDef = defineCommand({
  name: 'apply',
  describe: 'deploy (the first time and every later one): placeholders, nginx servers, nginx -t and reload, certificates, reload',
  options: {
    config: configOption,
    'nginx-conf': {
      type: 'string',
      arg: 'FILE',
      default: DEFAULT_NGINX_CONF,
      describe: "the file the servers are written to (atomically, only when they differ); nginx's running configuration must include it inside http { }",
    },
    templates: { type: 'string', arg: 'DIR', describe: "render the servers with your own copies of gen-nginx's templates from DIR" },
    json: jsonOption,
    'lock-timeout': lockTimeoutOption,
    ...preflightOptions,
  },
  examples: [
    ['$0 apply -c /etc/cert-wrap/site.yaml', 'deploy: servers, certificates, reloads'],
    ['$0 apply -c site.yaml --json | jq .changed', 'false when everything was in place'],
  ],
  run: async (args) => (await import('../commands/apply.js')).apply(args),
});
