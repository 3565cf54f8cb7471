/** What one certificate's run came to, as reported, alerted on and recorded. */
/** `preflight`: held back by cert-wrap's own HTTP-01 check, never sent to the CA. */
export type FailureClass = 'preflight' | 'validation' | 'network' | 'rate-limited' | 'locked' | 'deploy' | 'other';

export type Outcome =
  | { kind: 'issued' }
  | { kind: 'unchanged' }
  | { kind: 'dry-run' }
  | { kind: 'failed'; class: FailureClass; reason: string };

export interface CertReport {
  name: string;
  domains: string[];
  outcome: 'issued' | 'unchanged' | 'dry-run' | 'failed';
  class: FailureClass | null;
  reason: string | null;
  seconds: number;
}

/** The outcome as the table shows it: the --json value (README, "At the end"), a failure with its class. */
export function outcomeText(r: Pick<CertReport, 'outcome' | 'class'>): string {
  return r.outcome === 'failed' ? `failed (${r.class})` : r.outcome;
}
