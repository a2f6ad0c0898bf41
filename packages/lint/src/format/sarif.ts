// SARIF 2.1.0, which code-scanning services read: one run, the rules that fired as
// reportingDescriptors, one result per finding with its region and fixes.
import { ruleMeta } from '../registry.js';
import type { FileReport, Severity } from '../types.js';

export interface SarifOptions {
  toolVersion?: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function formatSarif(reports: readonly FileReport[], options: SarifOptions = {}): string {
  const ruleIds = [...new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => {
    const meta = ruleMeta(id);
    const rule: Record<string, unknown> = { id, shortDescription: { text: meta?.title ?? id } };
    if (meta) {
      rule.fullDescription = { text: meta.docs.why };
      rule.defaultConfiguration = { level: LEVEL[meta.severity] };
      rule.properties = { source: meta.source };
    }
    if (meta?.url) rule.helpUri = meta.url;
    return rule;
  });
  const results = reports.flatMap((r) =>
    r.diagnostics.map((d) => {
      const region = { startLine: d.range.start.line, startColumn: d.range.start.column, endLine: d.range.end.line, endColumn: d.range.end.column };
      const result: Record<string, unknown> = {
        ruleId: d.code,
        ruleIndex: index.get(d.code),
        level: LEVEL[d.severity],
        message: { text: d.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: uri(r.file) }, region } }],
      };
      if (d.fix)
        result.fixes = [
          {
            description: { text: d.fix.title },
            artifactChanges: [
              {
                artifactLocation: { uri: uri(r.file) },
                replacements: d.fix.edits.map((e) => ({
                  deletedRegion: { startLine: e.range.start.line, startColumn: e.range.start.column, endLine: e.range.end.line, endColumn: e.range.end.column },
                  insertedContent: { text: e.newText },
                })),
              },
            ],
          },
        ];
      return result;
    }),
  );
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'dfc', version: options.toolVersion ?? '0.1.0', rules } },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

/** A relative file path as a URI reference (SARIF wants `/` separators and escaped characters). */
function uri(file: string): string {
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}
