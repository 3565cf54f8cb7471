/**
 * cert-wrap fleet init | auth-hook | deploy-hook: the fleet's account, and
 * the two hooks certbot runs on the leader.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../../adapters/certbot/outcome.js';
import { runCertbot } from '../../adapters/certbot/run.js';
import { secretsIni, withSecretsFile } from '../../adapters/certbot/secrets-file.js';
import { loadConfig } from '../../model/load.js';
import { makeAccountRecord, parseAccountRecord, readRegisteredAccount } from '../../adapters/fleet/account.js';
import { registerArgs } from '../../adapters/certbot/fleet-argv.js';
import { seal } from '../../lib/seal.js';
import { readFleetKey } from '../../adapters/fleet/key.js';
import { accountKey, keyAad, orderKey } from '../../adapters/fleet/layout.js';
import { parseOrder } from '../../adapters/fleet/order.js';
import { keyAuthorization } from '../../leaves/jwk-thumbprint.js';
import { RuntimeError, showValue, UsageError } from '../../lib/errors.js';
import { makePrivateTempDir } from '../../lib/private-dir.js';
import { cleanText, redact } from '../../lib/secrets.js';
import { lineageDir } from '../../leaves/certbot-layout.js';
import { howItEnded } from '../../lib/process.js';
import { requireFleet } from './agent.js';
import { lineageName } from '../../run/deploy-hook.js';

const say = (text: string) => process.stderr.write(`cert-wrap fleet: ${cleanText(text, { lines: true })}\n`);

export async function fleetInit(args: { config: string }): Promise<number> {
  const config = loadConfig(args.config);
  const fleet = requireFleet(config);
  const fleetKey = readFleetKey(fleet);
  const { openEtcdStore } = await import('../../adapters/fleet/etcd-store.js');
  const store = openEtcdStore(fleet);
  try {
    const existing = await store.get(accountKey(fleet.prefix));
    if (existing !== null) return printExisting(existing, config.server, fleet.prefix);
    const dir = makePrivateTempDir('cert-wrap-fleet-init.');
    try {
      const dirs = { configDir: join(dir, 'config'), workDir: join(dir, 'work'), logsDir: join(dir, 'logs') };
      const argv = registerArgs(config, dirs);
      const result = await withSecretsFile(secretsIni(config), (extra) => runCertbot(config.certbot, [...argv, ...extra], { onLine: (l) => say(`certbot: ${redact(l)}`) }));
      if (result.startError !== null || result.exitCode === null) throw new RuntimeError(`cannot run certbot: ${howItEnded(result)}`);
      const outcome = classify(result.exitCode, redact(result.output), result.exitCode === 0 ? '' : redact(tail(join(dirs.logsDir, 'letsencrypt.log'))));
      if (outcome.kind === 'failed') throw new RuntimeError(`certbot register failed (${outcome.class}): ${outcome.reason}`);
      const account = readRegisteredAccount(dirs.configDir);
      const record = makeAccountRecord(fleetKey, account, config.server, fleet.node, new Date());
      if (!(await store.create(accountKey(fleet.prefix), JSON.stringify(record)))) {
        // Another node initialised the fleet at the same moment: its account is the fleet's.
        return printExisting((await store.get(accountKey(fleet.prefix)))!, config.server, fleet.prefix);
      }
      say(`the fleet ${fleet.prefix} has its account (${account.id}); put the thumbprint into the config as fleet.account-thumbprint and run gen-nginx`);
      process.stdout.write(`${account.thumbprint}\n`);
      return 0;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await store.close();
  }
}

function printExisting(text: string, server: string | null, prefix: string): number {
  const existing = parseAccountRecord(text);
  if (existing.server !== server) {
    throw new RuntimeError(`the fleet ${prefix} already has an account with ${existing.server ?? "certbot's default CA"}, not ${server ?? "certbot's default CA"}: use another fleet.prefix for another CA`);
  }
  say(`the fleet ${prefix} already has an account (created by ${existing.createdBy} at ${existing.createdAt}); its thumbprint:`);
  process.stdout.write(`${existing.thumbprint}\n`);
  return 0;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-64 * 1024);
  } catch {
    return '';
  }
}

const TOKEN = /^[-_A-Za-z0-9]+$/;

/** certbot's --manual-auth-hook on the leader: nginx on every node answers TOKEN.THUMBPRINT; refuse anything else. */
export async function fleetAuthHook(args: { config: string }): Promise<number> {
  const config = loadConfig(args.config);
  const fleet = requireFleet(config);
  const token = process.env.CERTBOT_TOKEN ?? '';
  const validation = process.env.CERTBOT_VALIDATION ?? '';
  if (fleet.accountThumbprint === null) throw new UsageError('fleet.account-thumbprint is not set: nginx cannot answer HTTP-01 challenges');
  if (!TOKEN.test(token)) {
    process.stderr.write(`cert-wrap fleet auth-hook: CERTBOT_TOKEN ${showValue(token)} is not a well-formed token: nginx answers only [-_A-Za-z0-9]+\n`);
    return 1;
  }
  const expected = keyAuthorization(token, fleet.accountThumbprint);
  if (validation !== expected) {
    process.stderr.write(
      `cert-wrap fleet auth-hook: certbot would have ${process.env.CERTBOT_DOMAIN ?? 'the name'} answer ${showValue(validation)}, but every node answers ${showValue(expected)}: certbot is not using the fleet account (fleet.account-thumbprint)\n`,
    );
    return 1;
  }
  return 0;
}

/**
 * certbot's --deploy-hook on the leader: hand the new certificate to the
 * agent through etcd (PREFIX/orders/NAME), the moment certbot saved it, so it
 * is published even if the agent that started certbot is gone.
 */
export async function fleetDeployHook(args: { config: string }): Promise<number> {
  const value = process.env.RENEWED_LINEAGE;
  if (!value) throw new UsageError('fleet deploy-hook is run by certbot after an issuance, with RENEWED_LINEAGE set; it is not set here');
  const config = loadConfig(args.config);
  const fleet = requireFleet(config);
  const name = lineageName(config, value);
  const fleetKey = readFleetKey(fleet);
  const dir = lineageDir(config.configDir, name);
  const fullchain = readFileSync(join(dir, 'fullchain.pem'), 'utf8');
  const privkey = readFileSync(join(dir, 'privkey.pem'));
  const { openEtcdStore } = await import('../../adapters/fleet/etcd-store.js');
  const store = openEtcdStore(fleet);
  try {
    const key = orderKey(fleet.prefix, name);
    const text = await store.get(key);
    const marker = parseOrder(text);
    if (marker === null || marker.node !== fleet.node) {
      process.stderr.write(`cert-wrap fleet deploy-hook: no order of ${fleet.node} for ${name} in the fleet: the certificate stays in ${dir}\n`);
      return 1;
    }
    const next = { ...marker, result: { fullchain, key: seal(fleetKey, privkey, keyAad(name)), savedAt: new Date().toISOString() } };
    if (!(await store.putIfUnchanged(key, text!, JSON.stringify(next)))) {
      process.stderr.write(`cert-wrap fleet deploy-hook: the order of ${name} changed meanwhile: the certificate stays in ${dir}\n`);
      return 1;
    }
    process.stdout.write(`cert-wrap fleet deploy-hook: ${name} handed to the fleet for publication\n`);
    return 0;
  } finally {
    await store.close();
  }
}
