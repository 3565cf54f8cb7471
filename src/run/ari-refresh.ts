/**
 * Asks the CA's ARI endpoint about each certificate whose last answer is due
 * for a refresh (its Retry-After has passed, or the certificate is new), and
 * stores the answers in cert-wrap's state. Only certificates issued by the
 * configured CA (the lineage's certbot `server` is the config's directory)
 * and not yet expired are asked. A failure is stored as a reason, keeping the
 * previous window: it never blocks or delays renewal.
 */
import { readFileSync } from 'node:fs';
import { readRenewalConf } from '../adapters/certbot/renewal-conf.js';
import type { Config } from '../model/types.js';
import type { Inspection } from '../leaves/x509.js';
import { type AriState, readState, recordAri } from '../adapters/store/state.js';
import { certId } from '../adapters/renewal/ari-certid.js';
import { type HttpGet, httpGet, NetworkError, renewalInfoRequestUrl, renewalInfoUrl } from '../adapters/renewal/ari-client.js';
import { chooseTime, MAX_RETRY_SECONDS, parseRenewalInfo, retrySeconds } from '../adapters/renewal/ari-window.js';

/** certbot's default directory: the CA of a config without `server`. */
const ERROR_RETRY_SECONDS = 3600;

export interface AriDeps {
  get: HttpGet;
  random: () => number;
}

const real: AriDeps = { get: httpGet, random: Math.random };

export interface Asked {
  name: string;
  found: Inspection | null;
}

/** Refreshes what needs refreshing; returns the number of requests made to the CA. */
export async function refreshAri(config: Config, certs: Asked[], now: Date, deps: AriDeps = real): Promise<number> {
  const state = readState(config.certsDir);
  const directory = config.acmeDirectory;
  const answers = new Map<string, AriState>();
  let endpoint: string | null | undefined;
  let down: string | null = null;
  let requests = 0;
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  for (const { name, found } of certs) {
    if (!found || now.getTime() >= found.notAfter.getTime()) continue;
    const prior = state.certificates[name]?.ari;
    const same = prior?.serial === found.serial ? prior : undefined;
    if (same && now.getTime() < Date.parse(same.retryAt)) continue;
    if (readRenewalConf(config.configDir, name)?.server !== directory) continue;
    const kept: AriState = { serial: found.serial, retryAt: '', ...(same?.window ? { window: same.window, chosen: same.chosen } : {}), ...(same?.explanationURL ? { explanationURL: same.explanationURL } : {}) };
    let retryAfter: string | null = null;
    try {
      if (down !== null) throw new NetworkError(down);
      const id = certId(readFileSync(found.path));
      if (endpoint === undefined) {
        requests++;
        endpoint = await renewalInfoUrl(directory, deps.get);
      }
      if (endpoint === null) {
        answers.set(name, { serial: found.serial, retryAt: later(MAX_RETRY_SECONDS), error: `the CA offers no renewal information (${directory} has no renewalInfo)` });
        continue;
      }
      requests++;
      const res = await deps.get(renewalInfoRequestUrl(endpoint, id));
      retryAfter = res.retryAfter;
      if (res.status !== 200) throw new Error(`renewal information: HTTP ${res.status}`);
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        throw new Error('renewal information is not JSON');
      }
      const info = parseRenewalInfo(body);
      answers.set(name, {
        serial: found.serial,
        retryAt: later(retrySeconds(retryAfter, now)),
        window: { start: info.start.toISOString(), end: info.end.toISOString() },
        chosen: chooseTime(info, same, deps.random),
        ...(info.explanationURL ? { explanationURL: info.explanationURL } : {}),
      });
    } catch (err) {
      if (err instanceof NetworkError) down = err.message;
      answers.set(name, { ...kept, retryAt: later(retrySeconds(retryAfter, now, ERROR_RETRY_SECONDS)), error: (err as Error).message });
    }
  }
  recordAri(config.certsDir, answers);
  return requests;
}
