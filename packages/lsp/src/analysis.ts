// One document's analysis: the text, its syntax tree and every diagnostic, plus the position
// arithmetic the features share. Every feature is a pure function of an Analysis.
import { lintText, type ImageLookup, type LintConfig } from '@dfc/lint';
import type { Diagnostic, Dockerfile, Instruction, Position as Point, Range } from '@dfc/syntax';
import type { Position as LspPosition, Range as LspRange } from 'vscode-languageserver';

export interface Analysis {
  text: string;
  ast: Dockerfile;
  /** Syntax, IR and lint diagnostics, in the order the checker gave them. */
  diagnostics: Diagnostic[];
  /** Offset of the first character of each line (0-based lines). */
  lineStarts: number[];
}

export interface AnalyzeOptions {
  fileName?: string;
  /** The lint config (from .hadolint.yaml); the defaults without it. */
  config?: LintConfig;
  /** Base images' platforms, when known (InvalidBaseImagePlatform). */
  images?: ImageLookup | undefined;
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const { ast, diagnostics } = lintText(text, options);
  const lineStarts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) lineStarts.push(nl + 1);
  return { text, ast, diagnostics, lineStarts };
}

// The AST counts lines and columns from 1, and gives a byte-order mark no column; the LSP
// counts from 0 in the text the client sent, a mark included if it sent one. Offsets agree.
export function toLspRange(a: Analysis, range: Range): LspRange {
  return { start: positionAt(a, range.start.offset), end: positionAt(a, range.end.offset) };
}

export function offsetAt(a: Analysis, position: LspPosition): number {
  const line = Math.max(0, Math.min(position.line, a.lineStarts.length - 1));
  const start = a.lineStarts[line]!;
  const next = line + 1 < a.lineStarts.length ? a.lineStarts[line + 1]! - 1 : a.text.length;
  return Math.min(start + Math.max(0, position.character), next);
}

export function positionAt(a: Analysis, offset: number): LspPosition {
  const line = lineOf(a, offset);
  return { line, character: offset - a.lineStarts[line]! };
}

function lineOf(a: Analysis, offset: number): number {
  let lo = 0;
  let hi = a.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** An offset as the AST writes positions (1-based line and column). */
export function pointAt(a: Analysis, offset: number): Point {
  const lo = lineOf(a, offset);
  const column = offset - a.lineStarts[lo]! + 1 - (lo === 0 && a.ast.bom && offset > 0 ? 1 : 0);
  return { line: lo + 1, column, offset };
}

export function sourceRange(a: Analysis, start: number, end: number): Range {
  return { start: pointAt(a, start), end: pointAt(a, end) };
}

/** The text of a line without its line ending. */
export function lineText(a: Analysis, line: number): string {
  const start = a.lineStarts[line] ?? a.text.length;
  const next = a.lineStarts[line + 1];
  const text = a.text.slice(start, next === undefined ? a.text.length : next - 1);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** True when `offset` lies in the range, its end included (a cursor right after a word is on it). */
export function touches(range: Range, offset: number): boolean {
  return range.start.offset <= offset && offset <= range.end.offset;
}

/** The instruction under the cursor, the trigger itself inside an ONBUILD. */
export function instructionAt(a: Analysis, offset: number): Instruction | undefined {
  for (const node of a.ast.instructions) {
    if (touches(node.range, offset)) {
      if (node.name === 'ONBUILD' && node.trigger && touches(node.trigger.range, offset)) return node.trigger;
      return node;
    }
    if (node.range.start.offset > offset) break;
  }
  return undefined;
}

/** The top-level instruction that holds a node (the ONBUILD for its trigger). */
export function topLevelOf(a: Analysis, node: Instruction): Instruction {
  for (const top of a.ast.instructions) {
    if (top === node || (top.name === 'ONBUILD' && top.trigger === node)) return top;
  }
  return node;
}
