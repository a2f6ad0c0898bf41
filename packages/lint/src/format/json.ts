// JSON: one object per finding with the file, the rule, its severity, the message, the range
// (1-based lines and columns, end exclusive) and the fix, when there is one.
import { ruleMeta } from '../registry.js';
import type { FileReport } from '../types.js';

export function formatJson(reports: readonly FileReport[]): string {
  const findings = reports.flatMap((r) =>
    r.diagnostics.map((d) => ({
      file: r.file,
      code: d.code,
      severity: d.severity,
      message: d.message,
      line: d.range.start.line,
      column: d.range.start.column,
      endLine: d.range.end.line,
      endColumn: d.range.end.column,
      ...(ruleMeta(d.code)?.url ? { url: ruleMeta(d.code)!.url } : {}),
      ...(d.fix ? { fix: { title: d.fix.title, edits: d.fix.edits.map((e) => ({ start: e.range.start.offset, end: e.range.end.offset, newText: e.newText })) } } : {}),
    })),
  );
  return JSON.stringify(findings, null, 2) + '\n';
}
