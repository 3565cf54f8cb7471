/** What cert-wrap remembers between runs, per certificate (the shape of CERTS-DIR/state.json). */
export interface DeployFailure {
  /** When the deploy steps last failed (ISO 8601). */
  at: string;
  /** The first failing step, one line. */
  reason: string;
}

/** The last run that ended with this certificate failed. */
export interface LastFailure {
  /** ISO 8601. */
  at: string;
  /** The failure class (preflight, validation, network, ...). */
  class: string;
}

/** The alert condition last reported through on-failure, and when. */
export interface AlertMark {
  /** The failure class, or "expiring". */
  condition: string;
  /** ISO 8601. */
  at: string;
}

export interface CertState {
  lastSuccess?: string;
  deployFailed?: DeployFailure;
  lastFailure?: LastFailure;
  alert?: AlertMark;
  /** The CA's last ARI answer for the current certificate (see src/ari/). */
  ari?: AriState;
}

/** What the CA's renewal-info endpoint said about one certificate (RFC 9773), all times ISO 8601. */
export interface AriState {
  /** The certificate the answer is about (its serial, as inspect reads it): a new certificate asks again. */
  serial: string;
  /** Not asked again before this time (the answer's Retry-After, clamped). */
  retryAt: string;
  window?: { start: string; end: string };
  /** A time in the window, chosen at random once per window and kept. */
  chosen?: string;
  explanationURL?: string;
  /** Why the last request gave no usable answer; the previous window, if any, is kept. */
  error?: string;
}

export interface State {
  certificates: Record<string, CertState>;
}
