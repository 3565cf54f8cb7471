import type { Paint } from './color.js';

/** Left-aligned columns, two spaces apart, the last column unpadded; optional paint per cell. */
export function formatColumns(head: string[], rows: string[][], paint?: (row: string[], column: number) => Paint | null): string {
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[], row?: string[]) =>
    cells
      .map((cell, i) => {
        const text = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
        const p = row && paint?.(row, i);
        return p ? p(text) : text;
      })
      .join('  ')
      .trimEnd();
  return `${[line(head), ...rows.map((r) => line(r, r))].join('\n')}\n`;
}
