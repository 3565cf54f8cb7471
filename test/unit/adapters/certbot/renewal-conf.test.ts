import { describe, expect, it } from 'vitest';
import { certbotInterval, parseRenewalConf, ruleInCertbotWords, withRenewBeforeExpiry } from '../../../../src/adapters/certbot/renewal-conf.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The head of a renewal config as certbot 2.1 writes it for a new lineage. */
const CERTBOT_CONF = `# renew_before_expiry = 30 days
version = 2.1.0
archive_dir = /le/archive/site
cert = /le/live/site/cert.pem

# Options used in the renewal process
[renewalparams]
authenticator = webroot
server = https://127.0.0.1:14000/dir
renew_hook = /usr/bin/node /x/cert-wrap.js deploy-hook -c /x/site.yaml
`;

describe("certbot's renewal config: renew_before_expiry", () => {
  it.each<[string, number, string]>([
    ['90 days: 1/3', 90 * DAY, '30 days'],
    ['10 days: 1/3 = 80 h', 10 * DAY, '80 hours'],
    ['6 days: 1/2', 6 * DAY, '3 days'],
    ['45 days: 1/3', 45 * DAY, '15 days'],
    ['7 days: 1/2 = 3.5 days', 7 * DAY, '84 hours'],
    ['1826 days: 1/3 = 14608 h', 1826 * DAY, '14608 hours'],
    ['1 day 3 minutes: 1/2, rounded down to the minute', DAY + 180_000, '721 minutes'],
  ])('%s', (_what, lifetime, words) => {
    expect(ruleInCertbotWords({ notBefore: new Date(0), notAfter: new Date(lifetime) }, null)).toBe(words);
  });

  it('rounds down, so certbot never renews earlier than cert-wrap would', () => {
    expect(certbotInterval(2 * HOUR - 1)).toBe('119 minutes');
    expect(certbotInterval(11 * DAY)).toBe('11 days');
  });

  it('honours renew-before', () => {
    expect(ruleInCertbotWords({ notBefore: new Date(0), notAfter: new Date(90 * DAY) }, { days: 11 })).toBe('11 days');
  });

  it("replaces certbot's commented default, keeping everything else", () => {
    const out = withRenewBeforeExpiry(CERTBOT_CONF, '80 hours');
    expect(out.split('\n')[0]).toBe('renew_before_expiry = 80 hours');
    expect(out.split('\n').slice(1)).toEqual(CERTBOT_CONF.split('\n').slice(1));
    expect(parseRenewalConf(out)).toEqual({ renewBeforeExpiry: '80 hours', server: 'https://127.0.0.1:14000/dir' });
  });

  it('replaces a value already set, adds one when there is none, and reads none inside a section', () => {
    const set = withRenewBeforeExpiry(withRenewBeforeExpiry(CERTBOT_CONF, '80 hours'), '3 days');
    expect(set.match(/renew_before_expiry/g)).toHaveLength(1);
    expect(parseRenewalConf(set).renewBeforeExpiry).toBe('3 days');
    const bare = 'version = 2.1.0\n[renewalparams]\nrenew_before_expiry = 9 days\n';
    expect(parseRenewalConf(bare).renewBeforeExpiry).toBeNull();
    expect(withRenewBeforeExpiry(bare, '3 days')).toBe(`renew_before_expiry = 3 days\n${bare}`);
  });
});
