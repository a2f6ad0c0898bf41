// The IR stage's diagnostics. Codes are stable: tools and ignore comments refer to them.
import type { Diagnostic, Range, Severity } from '@dfc/syntax';

export const IR_DIAGNOSTIC_CODES = {
  IR001: { name: 'no-stage', severity: 'error', title: 'Instruction before the first FROM (only ARG may come first)' },
  IR002: { name: 'expansion-error', severity: 'error', title: 'A variable reference does not expand' },
  IR003: { name: 'empty-base', severity: 'error', title: 'FROM expands to nothing' },
  IR004: { name: 'invalid-reference', severity: 'error', title: 'Not a valid image reference' },
  IR005: { name: 'invalid-platform', severity: 'error', title: 'Not a valid platform' },
  IR006: { name: 'duplicate-stage-name', severity: 'warning', title: 'Two stages have the same name (the later one is the one names find)' },
  IR007: { name: 'invalid-stage-index', severity: 'error', title: '--from names a stage index that does not exist' },
  IR008: { name: 'stage-cycle', severity: 'error', title: 'Stages depend on each other in a cycle' },
  IR009: { name: 'forward-stage-reference', severity: 'error', title: '--from names a stage defined later' },
  IR010: { name: 'from-with-variable', severity: 'error', title: '--from cannot use variables' },
  IR011: { name: 'invalid-port', severity: 'error', title: 'EXPOSE port, range or protocol is not valid' },
  IR012: { name: 'invalid-duration', severity: 'error', title: 'HEALTHCHECK duration or retries not valid' },
  IR013: { name: 'invalid-signal', severity: 'error', title: 'STOPSIGNAL is not a signal' },
  IR014: { name: 'empty-value', severity: 'error', title: 'WORKDIR, VOLUME, an ENV/LABEL name or a COPY/ADD source expands to nothing' },
  IR015: { name: 'invalid-mount', severity: 'error', title: 'RUN --mount is not valid' },
  IR016: { name: 'invalid-flag', severity: 'error', title: 'A flag value is not valid' },
  IR017: { name: 'expose-host-port', severity: 'warning', title: 'EXPOSE with a host port or address: only the container port is kept' },
  IR018: { name: 'unknown-target', severity: 'error', title: '--target names no stage' },
} as const satisfies Record<string, { name: string; severity: Severity; title: string }>;

export type IrDiagnosticCode = keyof typeof IR_DIAGNOSTIC_CODES;

export function irDiagnostic(code: IrDiagnosticCode, message: string, range: Range): Diagnostic {
  return { code, severity: IR_DIAGNOSTIC_CODES[code].severity, message, range: plainRange(range) };
}

/** Ranges from the parser are lazy objects; keep a plain copy so the plan serializes the same way everywhere. */
export function plainRange(r: Range): Range {
  // Each read of a lazy range's start or end works its position out again: read each once.
  const start = r.start;
  const end = r.end;
  return {
    start: { line: start.line, column: start.column, offset: start.offset },
    end: { line: end.line, column: end.column, offset: end.offset },
  };
}
