// lintText: parse, then every enabled rule, then suppressions and severities.
import { parse } from '@dfc/syntax';
import type { Diagnostic } from '@dfc/syntax';
import type { LintOptions, LintResult } from './types.js';

export function lintText(text: string, options: LintOptions = {}): LintResult {
  void options;
  const { ast, diagnostics } = parse(text);
  return { ast, diagnostics: sortDiagnostics(diagnostics) };
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset || a.range.end.offset - b.range.end.offset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

const RANK: Record<string, number> = { hint: 0, info: 1, warning: 2, error: 3 };

/** hadolint's default: findings of `info` and above fail the run. */
export const DEFAULT_FAILURE_THRESHOLD = 'info' as const;

/** Whether any diagnostic is at or above the threshold (`none` never fails). */
export function failsThreshold(diagnostics: readonly Diagnostic[], threshold: LintConfigThreshold = DEFAULT_FAILURE_THRESHOLD): boolean {
  if (threshold === 'none') return false;
  return diagnostics.some((d) => RANK[d.severity]! >= RANK[threshold]!);
}

export type LintConfigThreshold = NonNullable<import('./types.js').LintConfig['failureThreshold']>;
