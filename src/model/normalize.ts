/**
 * RawConfig (schema-valid) -> Config: defaults applied, names converted to
 * ASCII, and every cross-field rule checked. All problems are collected, so a
 * user fixes a file in one pass.
 */
import { CERTBOT_DEFAULT_DIRS, CERTBOT_DEFAULT_SERVER } from '../leaves/certbot-layout.js';
import { basename } from 'node:path';
import { ConfigError, type ConfigIssue, formatPath, type PathPart, showValue } from '../lib/errors.js';
import { normalizeDomain } from './domain.js';
import { normalizeFleet } from './fleet.js';
import * as rules from './rules.js';
import {
  type Certificate,
  type Config,
  DEFAULTS,
  type Hsts,
  type HttpsSettings,
  type Location,
  MAX_RENEW_BEFORE_DAYS,
  type RawCertificate,
  type RawConfig,
  type RawHsts,
  type RenewBefore,
  type TlsProfile,
} from './types.js';

type Check = (value: string) => string | null;

export function normalize(raw: RawConfig, sourcePath: string): Config {
  const issues: ConfigIssue[] = [];
  const check = (path: PathPart[], value: string | undefined, fn: Check): string | null => {
    if (value === undefined) return null;
    const message = fn(value);
    if (message) issues.push({ path, message });
    return value;
  };

  const webroot = stripTrailingSlash(check(['webroot'], raw.webroot, rules.checkWebroot) ?? DEFAULTS.webroot);
  check(['email'], raw.email, rules.checkEmail);
  check(['server'], raw.server, rules.checkServerUrl);
  check(['certbot'], raw.certbot, rules.checkCommand);
  for (const key of ['config-dir', 'work-dir', 'logs-dir'] as const) check([key], raw[key], rules.checkAbsolutePath);
  check(['nginx', 'pid-file'], raw.nginx?.['pid-file'], rules.checkAbsolutePath);
  check(['nginx', 'binary'], raw.nginx?.binary, rules.checkCommand);
  check(['nginx', 'conf-file'], raw.nginx?.['conf-file'], rules.checkAbsolutePath);
  check(['nginx', 'prefix'], raw.nginx?.prefix, rules.checkAbsolutePath);
  check(['eab-kid'], raw['eab-kid'], rules.checkSecret);
  check(['eab-hmac-key'], raw['eab-hmac-key'], rules.checkSecret);
  const listen = raw.nginx?.listen ?? [...DEFAULTS.listen];
  listen.forEach((value, i) => check(['nginx', 'listen', i], value, rules.checkListen));
  const httpsListen = raw.nginx?.['https-listen'] ?? [...DEFAULTS.httpsListen];
  httpsListen.forEach((value, i) => check(['nginx', 'https-listen', i], value, rules.checkHttpsListen));
  const certsDir = stripTrailingSlash(check(['certs-dir'], raw['certs-dir'], rules.checkWebroot) ?? DEFAULTS.certsDir);
  const renewBefore = parseRenewBefore(raw['renew-before']);
  const onFailure = check(['on-failure'], raw['on-failure'], rules.checkHook);
  if (renewBefore && 'fraction' in renewBefore && !(renewBefore.fraction > 0 && renewBefore.fraction < 1)) {
    issues.push({ path: ['renew-before'], message: `${showValue(raw['renew-before'])} must be a share of the lifetime between 0 and 1 (e.g. "33%" or "1/3")` });
  }
  if (renewBefore && 'days' in renewBefore && !(renewBefore.days <= MAX_RENEW_BEFORE_DAYS)) {
    issues.push({ path: ['renew-before'], message: `${String(raw['renew-before'])} days is too many: at most ${MAX_RENEW_BEFORE_DAYS} (a year); for a share of the lifetime write e.g. "1/3"` });
  }
  if (raw['rsa-key-size'] !== undefined && raw['key-type'] === 'ecdsa') {
    issues.push({ path: ['rsa-key-size'], message: 'is set, but key-type is "ecdsa": remove one of them' });
  }

  const certificates = normalizeCertificates(raw, issues, check, onFailure, raw['tls-profile'] ?? DEFAULTS.tlsProfile);
  const defaultLocation = normalizeLocation(raw, issues, check);
  const fleet = normalizeFleet(raw.fleet, certificates, issues);

  if (issues.length > 0) throw new ConfigError(issues);
  return {
    sourceName: basename(sourcePath),
    sourcePath,
    webroot,
    certsDir,
    renewBefore,
    onFailure,
    alertBeforeDays: raw['alert-before'] ?? DEFAULTS.alertBeforeDays,
    certificates,
    email: raw.email ?? null,
    server: raw.server ?? null,
    acmeDirectory: raw.server ?? CERTBOT_DEFAULT_SERVER,
    rsaKeySize: raw['rsa-key-size'] ?? null,
    keyType: raw['key-type'] ?? (raw['rsa-key-size'] !== undefined ? 'rsa' : null),
    eab: raw['eab-kid'] !== undefined && raw['eab-hmac-key'] !== undefined ? { kid: raw['eab-kid'], hmacKey: raw['eab-hmac-key'] } : null,
    defaultLocation,
    certbot: raw.certbot ?? DEFAULTS.certbot,
    configDir: raw['config-dir'] ?? CERTBOT_DEFAULT_DIRS.config,
    workDir: raw['work-dir'] ?? CERTBOT_DEFAULT_DIRS.work,
    logsDir: raw['logs-dir'] ?? CERTBOT_DEFAULT_DIRS.logs,
    certbotDirsSet: { config: raw['config-dir'] !== undefined, work: raw['work-dir'] !== undefined, logs: raw['logs-dir'] !== undefined },
    nginx: {
      listen: listen.map((l) => rules.canonicalListen(l.replace(/ +/g, ' '))),
      httpsListen: httpsListen.map((l) => rules.canonicalListen(l.replace(/ +/g, ' '))),
      pidFile: raw.nginx?.['pid-file'] ?? null,
      binary: raw.nginx?.binary ?? DEFAULTS.nginxBinary,
      confFile: raw.nginx?.['conf-file'] ?? null,
      prefix: raw.nginx?.prefix ?? null,
      version: raw.nginx?.version ?? null,
      httpsDefaultServer: raw.nginx?.['https-default-server'] ?? true,
    },
    fleet,
  };
}

function parseRenewBefore(value: number | string | undefined): RenewBefore {
  if (value === undefined) return null;
  if (typeof value === 'number') return { days: value };
  const text = value.replace(/\s+/g, '');
  if (text.endsWith('%')) return { fraction: Number(text.slice(0, -1)) / 100 };
  const [a, b] = text.split('/').map(Number);
  return { fraction: a! / b! };
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
}

type CheckFn = (path: PathPart[], value: string | undefined, fn: Check) => string | null;

function normalizeCertificates(raw: RawConfig, issues: ConfigIssue[], check: CheckFn, onFailure: string | null, tlsProfile: TlsProfile): Certificate[] {
  // Where each name was first seen, across all certificates: a Map keeps this linear.
  const seenDomain = new Map<string, PathPart[]>();
  const seenName = new Map<string, PathPart[]>();
  return raw.certificates.map((rc, index) => {
    // Without a rest parameter and a spread: on a run's first (interpreted) pass, those cost more than the rest of the normalizing.
    const at = (a?: PathPart, b?: PathPart, c?: PathPart): PathPart[] =>
      a === undefined ? ['certificates', index] : b === undefined ? ['certificates', index, a] : c === undefined ? ['certificates', index, a, b] : ['certificates', index, a, b, c];
    const challenge = rc.challenge ?? null;
    const domains: string[] = [];
    rc.domains.forEach((input, j) => {
      const result = normalizeDomain(input);
      if (!result.ok) {
        issues.push({ path: at('domains', j), message: `${showValue(input)} ${result.reason}` });
        return;
      }
      if (result.wildcard && challenge !== 'dns') {
        issues.push({
          path: at('domains', j),
          message: `${showValue(input)} is a wildcard: HTTP-01 cannot issue wildcard certificates; use challenge: dns with an authentication-hook`,
        });
        return;
      }
      const first = seenDomain.get(result.ascii);
      if (first) {
        const what = first[1] === index ? 'is repeated' : 'is already used';
        issues.push({ path: at('domains', j), message: `${showValue(input)} ${what} at ${formatPath(first)}; nginx would ignore one of the servers` });
        return;
      }
      seenDomain.set(result.ascii, at('domains', j));
      domains.push(result.ascii);
    });

    const explicitName = check(at('name'), rc.name, rules.checkCertName);
    const name = explicitName ?? (domains[0] ?? '').replace(/^\*\./, '');
    const ownFile = name === '' ? null : rules.checkOwnFileName(name);
    if (ownFile) issues.push({ path: at(rc.name ? 'name' : 'domains'), message: ownFile });
    if (name !== '') {
      const first = seenName.get(name);
      if (first) issues.push({ path: at(rc.name ? 'name' : 'domains'), message: `certificate name ${showValue(name)} is already used by ${formatPath(first)}` });
      else seenName.set(name, at());
    }

    const hooks = {
      authenticationHook: check(at('authentication-hook'), rc['authentication-hook'], rules.checkHook),
      cleanupHook: check(at('cleanup-hook'), rc['cleanup-hook'], rules.checkHook),
      deployHook: check(at('deploy-hook'), rc['deploy-hook'], rules.checkHook),
      onFailure: check(at('on-failure'), rc['on-failure'], rules.checkHook) ?? onFailure,
    };
    if (challenge === null) {
      for (const key of ['authentication-hook', 'cleanup-hook'] as const) {
        if (rc[key] !== undefined) issues.push({ path: at(key), message: 'is only used with a challenge (set challenge: http or dns), not with the webroot' });
      }
    } else if (hooks.authenticationHook === null) {
      issues.push({ path: at('authentication-hook'), message: `is required with challenge: ${challenge} (certbot's manual plugin cannot answer the challenge without it)` });
    }
    const https = normalizeHttps(rc.https, tlsProfile, at('https'), issues);
    https?.body.forEach((d, j) => check(at('https', 'body', j), d, rules.checkDirective));
    const deploy = (rc.deploy ?? []).map((d, j) => {
      check(at('deploy', j, 'directory'), d.directory, rules.checkAbsolutePath);
      check(at('deploy', j, 'owner'), d.owner, rules.checkAccountName);
      check(at('deploy', j, 'group'), d.group, rules.checkAccountName);
      return { directory: stripTrailingSlash(d.directory), owner: d.owner ?? null, group: d.group ?? null, mode: d.mode === undefined ? DEFAULTS.deployMode : parseInt(d.mode, 8) };
    });
    return { index, name, domains, challenge, ...hooks, https, deploy };
  });
}

function normalizeHttps(value: RawCertificate['https'], tlsProfile: TlsProfile, at: PathPart[], issues: ConfigIssue[]): HttpsSettings | null {
  if (value === undefined || value === false) return null;
  if (value === true) return { body: [], tlsProfile, hsts: null };
  const hsts = normalizeHsts(value.hsts);
  const problem = hsts && rules.checkHstsPreload(hsts);
  if (problem) issues.push({ path: [...at, 'hsts', 'preload'], message: problem });
  return { body: (value.body ?? []).map((d) => d.trim()), tlsProfile: value['tls-profile'] ?? tlsProfile, hsts };
}

function normalizeHsts(value: boolean | RawHsts | undefined): Hsts | null {
  if (value === undefined || value === false) return null;
  const own = value === true ? {} : value;
  return { maxAge: own['max-age'] ?? DEFAULTS.hstsMaxAge, includeSubdomains: own['include-subdomains'] ?? false, preload: own.preload ?? false };
}

function normalizeLocation(raw: RawConfig, issues: ConfigIssue[], check: CheckFn): Location | null {
  const value = raw['default-location'];
  if (value === false) return null;
  if (value === undefined) return { uri: DEFAULTS.defaultLocation.uri, body: [...DEFAULTS.defaultLocation.body] };
  // Checked exactly as written into the output: trimmed.
  const uri = value.uri.trim();
  const body = value.body.map((d) => d.trim());
  check(['default-location', 'uri'], uri, rules.checkLocationUri);
  body.forEach((d, i) => check(['default-location', 'body', i], d, rules.checkDirective));
  return { uri, body };
}
