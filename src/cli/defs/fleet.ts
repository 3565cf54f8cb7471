import { defineCommand } from './parse.js';
import { configOption } from './types.js';

export const agentDef = defineCommand({
  name: 'agent',
  describe: 'fleet mode: the long-running agent of one node: installs what the fleet publishes, and orders and publishes while it leads (etcd election)',
  options: { config: configOption },
  examples: [
    ['$0 agent -c /etc/cert-wrap/site.yaml', 'run on every node (schedule --systemd writes its service unit)'],
    ['kill -HUP $(pidof -s cert-wrap)', 're-read the config (certificates added or changed are ordered then)'],
  ],
  run: async (args) => (await import('../commands/agent.js')).agent(args),
});

export const fleetInitDef = defineCommand({
  name: 'fleet init',
  describe: "fleet mode: register the fleet's ACME account once (certbot register), store it encrypted in etcd, print its thumbprint alone on stdout",
  options: { config: configOption },
  examples: [
    ['$0 fleet init -c /etc/cert-wrap/site.yaml', 'prints the thumbprint for fleet.account-thumbprint (the existing one when the fleet has an account)'],
  ],
  run: async (args) => (await import('../commands/fleet.js')).fleetInit(args),
});

export const fleetAuthHookDef = defineCommand({
  name: 'fleet auth-hook',
  describe: "run by certbot on the leader (--manual-auth-hook): succeeds only when CERTBOT_VALIDATION is CERTBOT_TOKEN.THUMBPRINT, what every node's nginx answers",
  options: { config: configOption },
  examples: [['certbot ... --manual-auth-hook "$0 fleet auth-hook -c /abs/site.yaml"', 'how the agent sets it']],
  run: async (args) => (await import('../commands/fleet.js')).fleetAuthHook(args),
});

export const fleetDeployHookDef = defineCommand({
  name: 'fleet deploy-hook',
  describe: 'run by certbot on the leader after an issuance (RENEWED_LINEAGE set): hands the certificate, key encrypted, to the fleet through etcd',
  options: { config: configOption },
  examples: [['certbot ... --deploy-hook "$0 fleet deploy-hook -c /abs/site.yaml"', 'how the agent sets it']],
  run: async (args) => (await import('../commands/fleet.js')).fleetDeployHook(args),
});
