// JSON: one object per finding, with the file, the rule, the severity and the range.
import type { FileReport } from '../types.js';

export function formatJson(reports: readonly FileReport[]): string {
  return JSON.stringify(reports.map((r) => ({ file: r.file, diagnostics: r.diagnostics })), null, 2) + '\n';
}
