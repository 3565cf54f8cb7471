/** The preflight's result for people: one row per name, then one summary line. */
import { painter } from './color.js';
import type { ProbeReport, ProbeResult } from '../../adapters/probe/http01.js';
import { splitByPreflight } from '../../adapters/probe/split.js';

export function resultText(r: ProbeResult): string {
  return r.ok ? 'ok' : `failed (${r.kind})`;
}

export function formatPreflightTable(reports: readonly ProbeReport[], color: boolean): string {
  const c = painter(color);
  const rows: { cells: string[]; paint: (t: string) => string }[] = [];
  for (const report of reports) {
    if (report.skipped !== null) {
      rows.push({ cells: [report.name, '(all)', 'skipped', report.skipped], paint: c.dim });
      continue;
    }
    for (const r of report.results) rows.push({ cells: [report.name, r.domain, resultText(r), r.seen], paint: r.ok ? c.green : c.red });
  }
  const head = ['CERTIFICATE', 'NAME', 'RESULT', 'SEEN'];
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r.cells[i]!.length))));
  const pad = (cells: string[], paint?: (t: string) => string) =>
    cells
      .map((cell, i) => {
        const text = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
        return i === 2 && paint ? text.replace(cell, paint(cell)) : text;
      })
      .join('  ')
      .trimEnd();
  const lines = [c.bold(pad(head)), ...rows.map((r) => pad(r.cells, r.paint))];

  const probed = reports.flatMap((r) => r.results);
  const failed = probed.filter((r) => !r.ok).length;
  const split = splitByPreflight(reports);
  lines.push('');
  if (probed.length === 0) lines.push('No certificate is validated through the webroot: nothing to check.');
  else if (failed === 0) lines.push(c.green(`All ${probed.length} ${probed.length === 1 ? 'name serves' : 'names serve'} the probe from the webroot.`));
  else {
    lines.push(
      c.red(
        `${failed} of ${probed.length} names failed; the CA would fail to validate ${split.fail.length === 1 ? 'certificate' : 'certificates'} ${split.fail.map((f) => f.name).join(', ')}.`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
