// GNU style (file:line.col-line.col: severity: message), which Emacs and many CI tools parse.
import type { FileReport } from '../types.js';

export function formatGnu(reports: readonly FileReport[]): string {
  let out = '';
  for (const r of reports)
    for (const d of r.diagnostics) {
      const { start, end } = d.range;
      out += `${r.file}:${start.line}.${start.column}-${end.line}.${end.column}: ${d.severity}: ${d.message} [${d.code}]\n`;
    }
  return out;
}
