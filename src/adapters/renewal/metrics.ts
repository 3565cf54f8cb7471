/** Prometheus textfile-collector metrics (node_exporter's --collector.textfile.directory). Pure. */
import type { State } from '../../model/state.js';
import type { CertStatus } from './status.js';

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

const ariTime = (iso: string | undefined): number | null => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

export function renderMetrics(statuses: CertStatus[], state: State, now: Date): string {
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  const families: [string, string, string, (s: CertStatus) => number | null][] = [
    ['cert_wrap_certificate_not_after_seconds', 'gauge', 'Expiry of the certificate (Unix time).', (s) => (s.found ? seconds(s.found.notAfter) : null)],
    ['cert_wrap_certificate_seconds_left', 'gauge', 'Seconds until the certificate expires, when the metrics were written.', (s) => (s.found ? seconds(s.found.notAfter) - seconds(now) : null)],
    ['cert_wrap_certificate_readable', 'gauge', '1 when the certificate could be read (or does not exist yet), 0 when reading it failed.', (s) => (s.error === null ? 1 : 0)],
    [
      'cert_wrap_certificate_renewal_due',
      'gauge',
      '1 when the certificate needs an obtain, reissue or renewal; no sample when it could not be read.',
      (s) => (s.decision.action === 'unknown' ? null : s.decision.action === 'none' ? 0 : 1),
    ],
    [
      'cert_wrap_last_success_timestamp_seconds',
      'gauge',
      'Last time cert-wrap handled the certificate successfully (Unix time).',
      (s) => {
        const iso = state.certificates[s.cert.name]?.lastSuccess;
        return iso ? seconds(new Date(iso)) : null;
      },
    ],
    ['cert_wrap_certificate_ari_window_start_seconds', 'gauge', "Start of the CA's suggested renewal window (ARI, RFC 9773) for the current certificate (Unix time).", (s) => ariTime(s.ari?.window?.start)],
    ['cert_wrap_certificate_ari_window_end_seconds', 'gauge', "End of the CA's suggested renewal window (ARI, RFC 9773) for the current certificate (Unix time).", (s) => ariTime(s.ari?.window?.end)],
  ];
  families.push([
    'cert_wrap_certificate_last_failure_timestamp_seconds',
    'gauge',
    'Last time a cert-wrap run ended with the certificate failed (Unix time); its class is in cert_wrap_certificate_last_failure_info.',
    (s) => {
      const at = state.certificates[s.cert.name]?.lastFailure?.at;
      return at ? seconds(new Date(at)) : null;
    },
  ]);
  const lines: string[] = [];
  for (const [name, type, help, value] of families) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of statuses) {
      const v = value(s);
      if (v !== null) lines.push(`${name}{certificate="${escapeLabel(s.cert.name)}"} ${v}`);
    }
  }
  lines.push(...failureInfo(statuses, state));
  return `${lines.join('\n')}\n`;
}

/** The class of each certificate's last failure, as an info metric (value 1, the class as a label). */
function failureInfo(statuses: CertStatus[], state: State): string[] {
  const name = 'cert_wrap_certificate_last_failure_info';
  const lines = [`# HELP ${name} The failure class of the certificate's last failure (preflight, validation, network, rate-limited, locked, deploy, other).`, `# TYPE ${name} gauge`];
  for (const s of statuses) {
    const cls = state.certificates[s.cert.name]?.lastFailure?.class;
    if (typeof cls === 'string') lines.push(`${name}{certificate="${escapeLabel(s.cert.name)}",class="${escapeLabel(cls)}"} 1`);
  }
  return lines;
}
