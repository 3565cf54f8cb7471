/** The end-of-run summary: a table for people, JSON for scripts. */
import type { CertReport } from '../certbot/obtain.js';
import { painter } from './color.js';

export interface ReloadReport {
  attempted: boolean;
  ok: boolean;
  message: string;
}

export interface RunSummary {
  ok: boolean;
  certificates: CertReport[];
  reload: ReloadReport;
}

export function outcomeText(r: CertReport): string {
  if (r.outcome === 'failed') return `failed (${r.class})`;
  if (r.outcome === 'unchanged') return 'unchanged (not due)';
  if (r.outcome === 'dry-run') return 'dry run ok';
  return 'issued';
}

export function formatTable(summary: RunSummary, color: boolean): string {
  const c = painter(color);
  const rows = summary.certificates.map((r) => [r.name, r.domains.join(', '), outcomeText(r), r.reason ?? '']);
  const head = ['NAME', 'DOMAINS', 'OUTCOME', 'REASON'];
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const pad = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const paintOutcome = (r: CertReport, text: string) => (r.outcome === 'failed' ? c.red(text) : r.outcome === 'issued' ? c.green(text) : text);
  const lines = [c.bold(pad(head))];
  summary.certificates.forEach((r, i) => {
    const cells = rows[i]!;
    const line = pad(cells);
    const outcome = cells[2]!;
    lines.push(line.replace(outcome, paintOutcome(r, outcome)));
  });
  if (summary.reload.attempted || !summary.reload.ok) {
    lines.push('', summary.reload.ok ? summary.reload.message : c.red(summary.reload.message));
  }
  const failed = summary.certificates.filter((r) => r.outcome === 'failed').length;
  lines.push('', failed === 0 && summary.reload.ok ? c.green('All certificates OK.') : c.red(`${failed} of ${summary.certificates.length} certificates failed.${summary.reload.ok ? '' : ' nginx was not reloaded.'}`));
  return `${lines.join('\n')}\n`;
}
