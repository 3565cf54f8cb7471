/** apply's report: a few lines and the certificates' table for people; the same as JSON for scripts. */
import type { ApplyReport } from '../../run/apply.js';
import { painter } from './color.js';
import { formatTable } from './summary.js';

const SERVERS_SAID = { created: 'created', updated: 'updated', unchanged: 'unchanged', restored: 'rejected by nginx -t and put back' };
const PATHS_SAID = { 'linked-lineage': 'now the issued certificate', placeholder: 'self-signed placeholder', unchanged: 'unchanged' };

export function formatApply(report: ApplyReport, color: boolean): string {
  const c = painter(color);
  if (report.ok && !report.changed) {
    const table = formatTable({ ok: true, certificates: report.certificates, reload: report.certificatesReload }, color).split('\n\n')[0];
    return `${table}\n\nNothing to do: ${report.serversFile.path} is up to date, every certificate's paths are in place and none is due.\n`;
  }
  const lines = [`nginx servers: ${report.serversFile.path} ${SERVERS_SAID[report.serversFile.action]}`];
  for (const b of report.bootstrap) if (b.action !== 'unchanged') lines.push(`stable paths of ${b.name}: ${PATHS_SAID[b.action]}`);
  if (report.reload.attempted || !report.reload.ok) lines.push(report.reload.ok ? report.reload.message : c.red(report.reload.message));
  if (!report.reload.ok) return `${lines.join('\n')}\n\n${c.red('Stopped before ordering any certificate.')}\n`;
  const table = formatTable({ ok: report.ok, certificates: report.certificates, reload: report.certificatesReload }, color);
  return `${lines.join('\n')}\n\n${table}`;
}
