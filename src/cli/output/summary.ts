/** The end-of-run summary: a table for people, JSON for scripts. */
import { outcomeText } from '../../model/report.js';
import type { ReloadReport, RunSummary } from '../../run/io.js';
import { cleanText } from '../../lib/secrets.js';
import { painter } from './color.js';
import { formatColumns } from './table.js';

export type { ReloadReport, RunSummary };
export { outcomeText };



export function formatTable(summary: RunSummary, color: boolean): string {
  const c = painter(color);
  const rows = summary.certificates.map((r) => [r.name, r.domains.join(', '), outcomeText(r), cleanText(r.reason ?? '')]);
  const paintOutcome = (row: string[], column: number) => {
    if (column !== 2) return null;
    return row[2]!.startsWith('failed') ? c.red : row[2] === 'issued' ? c.green : null;
  };
  const lines = [formatColumns(['NAME', 'DOMAINS', 'OUTCOME', 'REASON'], rows, paintOutcome).trimEnd()];
  if (summary.reload.attempted || summary.reload.skipped || !summary.reload.ok) {
    const message = cleanText(summary.reload.message, { lines: true });
    lines.push('', summary.reload.ok ? message : c.red(message));
  }
  const failed = summary.certificates.filter((r) => r.outcome === 'failed').length;
  lines.push('', failed === 0 && summary.reload.ok ? c.green('All certificates OK.') : c.red(`${failed} of ${summary.certificates.length} certificates failed.${summary.reload.ok ? '' : ' nginx was not reloaded.'}`));
  return `${lines.join('\n')}\n`;
}
