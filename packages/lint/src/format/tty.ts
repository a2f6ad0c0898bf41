// Human output: file:line:col, severity, message and rule, then the source line with a caret
// under the range. Colours come from the caller (the CLI passes chalk), so lint stays free of I/O.
import type { Diagnostic, Severity } from '@dfc/syntax';
import type { FileReport } from '../types.js';

export interface Paint {
  severity(severity: Severity, text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export interface TtyOptions {
  /** How to colour; plain text when absent. */
  paint?: Paint;
}

const PLAIN: Paint = { severity: (_s, t) => t, dim: (t) => t, bold: (t) => t };

export function formatTty(reports: readonly FileReport[], options: TtyOptions = {}): string {
  const paint = options.paint ?? PLAIN;
  let out = '';
  const totals: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const r of reports) {
    const lines = r.text.split('\n');
    for (const d of r.diagnostics) {
      totals[d.severity]++;
      out += `${paint.bold(`${r.file}:${d.range.start.line}:${d.range.start.column}`)} ${paint.severity(d.severity, label(d.severity))} ${d.message} ${paint.dim(`[${d.code}]`)}\n`;
      out += excerpt(lines, d, paint);
    }
  }
  const count = Object.values(totals).reduce((a, b) => a + b, 0);
  const files = reports.length === 1 ? reports[0]!.file : `${reports.length} files`;
  if (count === 0) return `${files}: no problems\n`;
  const parts = (['error', 'warning', 'info', 'hint'] as const).filter((s) => totals[s] > 0).map((s) => `${totals[s]} ${label(s)}${totals[s] === 1 ? '' : 's'}`);
  return out + `${files}: ${parts.join(', ')}\n`;
}

function label(s: Severity): string {
  return s === 'hint' ? 'style' : s;
}

/** The first line of the range, tabs shown as spaces, with `^~~~` under the range. */
function excerpt(lines: string[], d: Diagnostic, paint: Paint): string {
  const text = (lines[d.range.start.line - 1] ?? '').replace(/\r$/, '');
  if (text.trim() === '') return '';
  const width = 4;
  const gutter = `${String(d.range.start.line).padStart(width)} | `;
  const shown = text.replace(/\t/g, ' ');
  const startCol = Math.min(d.range.start.column - 1, shown.length);
  const endCol = d.range.end.line === d.range.start.line ? Math.max(startCol + 1, Math.min(d.range.end.column - 1, shown.length)) : shown.length;
  const caret = '^' + '~'.repeat(Math.max(0, endCol - startCol - 1));
  return `${paint.dim(gutter)}${shown}\n${' '.repeat(gutter.length + startCol)}${paint.severity(d.severity, caret)}\n`;
}
