/** status as a table for people, with the notes the table has no room for. */
import type { StatusReport, ReportRow } from '../../run/status-report.js';
import { painter } from './color.js';
import { formatColumns } from './table.js';

export function formatStatus(report: StatusReport, color: boolean): string {
  const c = painter(color);
  let out = formatColumns(
    ['NAME', 'NAMES', 'NOT AFTER', 'DAYS LEFT', 'NEXT ACTION', 'REASON'],
    report.certificates.map((r) => [r.name, r.domains.join(', '), r.notAfter?.replace(/\.\d+Z$/, 'Z') ?? '-', r.daysLeft?.toFixed(1) ?? '-', r.action, r.reason]),
    (row, i) => (i === 4 && row[4] !== 'none' ? c.yellow : null),
  );
  if (report.reloadPending) out += `\n${c.yellow(`nginx: ${report.reloadPending.reason}; run cert-wrap reload`)}\n`;
  const notes = report.certificates.flatMap((r) => statusNotes(r));
  if (notes.length > 0) out += `\n${notes.join('\n')}\n`;
  return out;
}

/** What the table has no room for: the CA's renewal window (ARI), and a certbot setting that disagrees with cert-wrap's rule. */
function statusNotes(r: ReportRow): string[] {
  const notes: string[] = [];
  const ari = r.ari;
  if (ari?.windowStart && ari.windowEnd) {
    notes.push(`${r.name}: ARI window ${short(ari.windowStart)} to ${short(ari.windowEnd)}${ari.chosen ? `, renewal time chosen in it ${short(ari.chosen)}` : ''}${ari.explanationURL ? `; the CA explains: ${ari.explanationURL}` : ''}`);
  }
  if (ari?.error) notes.push(`${r.name}: ARI not used (the lifetime rule applies): ${ari.error}`);
  const rule = r.certbotRenewBeforeExpiry;
  if (rule && !rule.agrees) {
    notes.push(`${r.name}: certbot's renewal config says renew_before_expiry = ${rule.stored}, cert-wrap's rule is ${rule.expected}: a plain \`certbot renew\` may renew at another time (the next issuance through cert-wrap corrects it)`);
  }
  return notes;
}

const short = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');
