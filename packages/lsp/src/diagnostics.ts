// Diagnostics in the LSP's shape.
import { ruleMeta } from '@dfc/lint';
import type { Diagnostic } from '@dfc/syntax';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { toLspRange, type Analysis } from './analysis.js';

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(a: Analysis, d: Diagnostic): LspDiagnostic {
  const lsp: LspDiagnostic = { range: toLspRange(a, d.range), severity: SEVERITY[d.severity], code: d.code, source: 'dfc', message: d.message };
  const url = ruleMeta(d.code)?.url;
  if (url) lsp.codeDescription = { href: url };
  return lsp;
}

export function lspDiagnostics(a: Analysis): LspDiagnostic[] {
  return a.diagnostics.map((d) => toLspDiagnostic(a, d));
}
