import { defineCommand } from './parse.js';
import { configOption, jsonOption } from './types.js';

export const reloadDef = defineCommand({
  name: 'reload',
  describe: 'check the running nginx configuration with nginx -t, then send SIGHUP to the master in the pid file',
  options: { config: configOption, json: jsonOption },
  examples: [['$0 reload -c /etc/cert-wrap/site.yaml', 'reload nginx, refusing when its configuration is broken']],
  run: async (args) => (await import('../commands/reload.js')).reload(args),
});
