// The syntax stage's diagnostics. Codes are stable: tools and ignore comments refer to them.
import type { Diagnostic, Fix, Range, Severity } from './ast.js';

export const DIAGNOSTIC_CODES = {
  DF000: { name: 'internal-error', severity: 'error', title: 'Internal parser error (a bug in dfc)' },
  DF001: { name: 'unknown-instruction', severity: 'error', title: 'Unknown instruction' },
  DF002: { name: 'missing-arguments', severity: 'error', title: 'Instruction is missing arguments' },
  DF003: { name: 'unknown-flag', severity: 'error', title: 'Unknown flag for this instruction' },
  DF004: { name: 'invalid-flag-value', severity: 'error', title: 'Flag value is missing, repeated or of the wrong type' },
  DF005: { name: 'json-not-strings', severity: 'error', title: 'Exec form array holds something other than strings' },
  DF006: { name: 'invalid-json-form', severity: 'warning', title: 'Looks like exec form but is not valid JSON; taken as shell form' },
  DF007: { name: 'unterminated-heredoc', severity: 'error', title: 'Heredoc has no terminator line' },
  DF008: { name: 'missing-value', severity: 'error', title: 'ENV or LABEL key without a value' },
  DF009: { name: 'missing-equals', severity: 'error', title: 'ENV or LABEL word without "=" in the key=value form' },
  DF010: { name: 'empty-continuation-line', severity: 'warning', title: 'Empty line inside a continued instruction' },
  DF011: { name: 'duplicate-directive', severity: 'error', title: 'Parser directive given twice' },
  DF012: { name: 'invalid-escape', severity: 'error', title: 'Escape directive is not ` or \\' },
  DF013: { name: 'misplaced-directive', severity: 'warning', title: 'Parser directive after the top of the file is ignored' },
  DF014: { name: 'no-instructions', severity: 'error', title: 'File has no instructions' },
  DF015: { name: 'line-too-long', severity: 'error', title: 'Line longer than 65,535 bytes' },
  DF016: { name: 'wrong-argument-count', severity: 'error', title: 'Wrong number of arguments' },
  DF017: { name: 'invalid-stage-name', severity: 'error', title: 'Invalid build stage name' },
  DF018: { name: 'invalid-onbuild-trigger', severity: 'error', title: 'Instruction not allowed as an ONBUILD trigger' },
  DF019: { name: 'shell-not-json', severity: 'error', title: 'SHELL needs the JSON form' },
  DF020: { name: 'invalid-heredoc', severity: 'error', title: 'Malformed or misplaced heredoc' },
  DF021: { name: 'invalid-healthcheck', severity: 'error', title: 'Invalid HEALTHCHECK' },
} as const satisfies Record<string, { name: string; severity: Severity; title: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function diagnostic(code: DiagnosticCode, message: string, range: Range, fix?: Fix): Diagnostic {
  const d: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message, range };
  if (fix) d.fix = fix;
  return d;
}
