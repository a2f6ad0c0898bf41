// GNU style: file:line.col-line.col: severity: message, the form Emacs and many CI tools parse.
import type { FileReport } from '../types.js';

export function formatGnu(reports: readonly FileReport[]): string {
  let out = '';
  for (const r of reports) for (const d of r.diagnostics) out += `${r.file}:${d.range.start.line}:${d.range.start.column}: ${d.severity}: ${d.code} ${d.message}\n`;
  return out;
}
