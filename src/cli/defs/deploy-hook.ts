import { defineCommand } from './parse.js';
import { configOption } from './types.js';

export const deployHookDef = defineCommand({
  name: 'deploy-hook',
  describe: "run by certbot after each issuance (RENEWED_LINEAGE set): the stable paths, deploy copies, the certificate's deploy-hook, then the nginx reload",
  options: { config: configOption },
  examples: [['certbot ... --deploy-hook "$0 deploy-hook -c /abs/site.yaml"', 'how cert-wrap obtain sets it']],
  run: async (args) => (await import('../commands/deploy-hook.js')).deployHook(args),
});
