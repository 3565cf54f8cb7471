/**
 * What one certbot run came to, classified from its exit code, its output and,
 * on failure, the tail of its log (certbot sometimes masks the real error on
 * stderr, e.g. behind an AttributeError).
 */

import type { FailureClass, Outcome } from '../../model/report.js';
export type { FailureClass, Outcome };

const RULES: [FailureClass, RegExp][] = [
  ['locked', /Another instance of Certbot is already running/i],
  ['rate-limited', /rateLimited|too many (certificates|failed authorizations|new orders|requests|registrations)|rate limit/i],
  ['validation', /Some challenges have failed|failed to authenticate some domains|:error:(unauthorized|connection|dns|incorrectResponse|caa|tls)\b|Invalid response from|Timeout during connect|NXDOMAIN|no valid (A|AAAA) records/i],
  [
    'network',
    /Connection refused|Failed to establish a new connection|Max retries exceeded|Name or service not known|Temporary failure in name resolution|Network is unreachable|timed out|ConnectionError|SSLError|CERTIFICATE_VERIFY_FAILED|Unable to reach/i,
  ],
];

/** certbot's own lines that say what went wrong, best first. */
const REASON_LINES = [
  /^\s*Detail:\s*(.+)$/m,
  /^(Another instance of Certbot is already running\.)$/m,
  /^(?:An unexpected error occurred:\n)?([A-Za-z.]*Error: .+)$/m,
  /^(The (?:server|Certificate Authority) .+)$/m,
  /^(Unable to .+)$/m,
  /^(Some challenges have failed\.)$/m,
];

const NOISE = /^(Saving debug log to|Ask for help or search for solutions|- - -|\s*$|An unexpected error occurred:$)/;

export function classify(exitCode: number, output: string, logTail = ''): Outcome {
  if (exitCode === 0) {
    if (/The dry run was successful/.test(output)) return { kind: 'dry-run' };
    if (/no action taken|not yet due for renewal/i.test(output) && !/Successfully received certificate/.test(output)) return { kind: 'unchanged' };
    const deploy = deployHookFailure(output);
    if (deploy) return { kind: 'failed', class: 'deploy', reason: `certificate issued, but deploying it failed: ${deploy}` };
    return { kind: 'issued' };
  }
  const text = `${output}\n${logTail}`;
  const found = RULES.find(([, re]) => re.test(output)) ?? RULES.find(([, re]) => re.test(logTail));
  return { kind: 'failed', class: found ? found[0] : 'other', reason: reasonOf(output) ?? reasonOf(text) ?? `certbot exited with code ${exitCode}` };
}

/** The single most useful line of certbot's output, quoted as it said it. */
export function reasonOf(output: string): string | null {
  for (const re of REASON_LINES) {
    const m = re.exec(output);
    if (m?.[1]) return m[1].trim();
  }
  const lines = output.split('\n').filter((l) => !NOISE.test(l));
  return lines.length > 0 ? lines[lines.length - 1]!.trim() : null;
}

/** certbot exits 0 when a deploy hook fails, and only says so in its output. */
export function deployHookFailure(output: string): string | null {
  const code = /^Hook 'deploy-hook' reported error code (\d+)/m.exec(output);
  if (!code) return null;
  // What the hook itself said on stderr, which certbot repeats indented.
  const said = /^Hook 'deploy-hook' ran with error output:\n((?: .*\n?)+)/m.exec(output);
  const lines = said ? said[1]!.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  return `the deploy hook exited with code ${code[1]}${lines.length > 0 ? `: ${lines.join(' / ')}` : ''}`;
}
