import { describe, expect, it } from 'vitest';
import { classify, deployHookFailure, reasonOf } from '../../../../src/adapters/certbot/outcome.js';

// Output of certbot 2.1 (stdout and stderr interleaved), captured from real runs against Pebble.
const issued = `Saving debug log to /tmp/le/logs/letsencrypt.log
Requesting a certificate for a.test and b.test

Successfully received certificate.
Certificate is saved at: /tmp/le/config/live/a.test/fullchain.pem
Key is saved at:         /tmp/le/config/live/a.test/privkey.pem
This certificate expires on 2031-11-28.`;
const notDue = `Saving debug log to /tmp/le/logs/letsencrypt.log
Certificate not yet due for renewal

- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Certificate not yet due for renewal; no action taken.
- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -`;
const validation = `Saving debug log to /tmp/le/logs/letsencrypt.log
Requesting a certificate for c.test

Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:
  Domain: c.test
  Type:   unauthorized
  Detail: Non-200 status code from HTTP: http://c.test:80/.well-known/acme-challenge/E9k8 returned 404

Hint: The Certificate Authority failed to download the temporary challenge files created by Certbot.

Some challenges have failed.
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /tmp/le/logs/letsencrypt.log or re-run Certbot with -v for more details.`;
const network = `Saving debug log to /tmp/le/logs/letsencrypt.log
An unexpected error occurred:
ValueError: Requesting 127.0.0.1/dir: Connection refused
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /tmp/le/logs/letsencrypt.log or re-run Certbot with -v for more details.`;
const locked = `Another instance of Certbot is already running.
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /tmp/certbot-log-xk8331ue/log or re-run Certbot with -v for more details.`;
const rateLimited = `Saving debug log to /var/log/letsencrypt/letsencrypt.log
Requesting a certificate for example.org
An unexpected error occurred:
Error creating new order :: too many certificates (5) already issued for this exact set of domains in the last 168h0m0s, retry after 2026-11-29T10:00:00Z: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-hostnames
Ask for help or search for solutions at https://community.letsencrypt.org.`;
const masked = `Saving debug log to /tmp/le/logs/letsencrypt.log
An unexpected error occurred:
AttributeError: can't set attribute
Ask for help or search for solutions at https://community.letsencrypt.org.`;
const maskedLog = `2026-11-28 16:47:34,290:DEBUG:acme.client:Received response: HTTP 400 ... "type": "urn:ietf:params:acme:error:badNonce"
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='127.0.0.1', port=14000): Max retries exceeded with url: /dir`;
const deployFailed = `${issued}
Hook 'deploy-hook' reported error code 1
Hook 'deploy-hook' ran with error output:
 cert-wrap deploy-hook: deploy-hook of certificate a.test failed (exit code 3): /usr/local/bin/notify`;

describe('classify certbot runs', () => {
  it.each([
    ['issued', 0, issued, '', { kind: 'issued' }],
    ['not due', 0, notDue, '', { kind: 'unchanged' }],
    ['dry run', 0, 'Simulating a certificate request for a.test\nThe dry run was successful.', '', { kind: 'dry-run' }],
    [
      'failed validation',
      1,
      validation,
      '',
      { kind: 'failed', class: 'validation', reason: 'Non-200 status code from HTTP: http://c.test:80/.well-known/acme-challenge/E9k8 returned 404' },
    ],
    ['ACME server down', 1, network, '', { kind: 'failed', class: 'network', reason: 'ValueError: Requesting 127.0.0.1/dir: Connection refused' }],
    ['lock held', 1, locked, '', { kind: 'failed', class: 'locked', reason: 'Another instance of Certbot is already running.' }],
    ['rate limited', 1, rateLimited, '', { kind: 'failed', class: 'rate-limited' }],
    ['masked error, found in the log', 1, masked, maskedLog, { kind: 'failed', class: 'network', reason: "AttributeError: can't set attribute" }],
    ['unknown failure', 1, 'Saving debug log to x\nSomething odd happened\nAsk for help or search for solutions at y', '', { kind: 'failed', class: 'other', reason: 'Something odd happened' }],
    ['deploy hook failed', 0, deployFailed, '', { kind: 'failed', class: 'deploy' }],
  ])('%s', (_name, code, output, log, expected) => {
    expect(classify(code, output, log)).toMatchObject(expected);
  });

  it('quotes what the deploy hook said', () => {
    expect(deployHookFailure(deployFailed)).toBe(
      'the deploy hook exited with code 1: cert-wrap deploy-hook: deploy-hook of certificate a.test failed (exit code 3): /usr/local/bin/notify',
    );
    expect(deployHookFailure(issued)).toBeNull();
  });

  it('finds the rate-limit line', () => {
    expect(reasonOf(rateLimited)).toMatch(/^Error creating new order :: too many certificates/);
  });
});
