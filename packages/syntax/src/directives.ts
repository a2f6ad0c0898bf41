// Parser directives (`# syntax=`, `# escape=`, `# check=`): read only from the top of the file,
// before the lexer runs, because the escape directive changes how the rest is tokenized.
import type { EscapeChar } from './tokens.js';

export const DIRECTIVE_NAMES = ['syntax', 'escape', 'check'] as const;
export type DirectiveName = (typeof DIRECTIVE_NAMES)[number];

export interface ScannedDirective {
  name: DirectiveName;
  value: string;
  /** Offsets of the `#`, the name, the value, and the end of the line's content. */
  hashOffset: number;
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
  lineEnd: number;
}

export interface DirectiveProblem {
  code: 'DF011' | 'DF012';
  message: string;
  start: number;
  end: number;
}

export interface DirectiveScan {
  directives: ScannedDirective[];
  escape: EscapeChar;
  problems: DirectiveProblem[];
}

const directiveLine = /^([^\S\n]*)#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;

/** Reads the directive lines at the top of `text` (a BOM is skipped). */
export function scanDirectives(text: string): DirectiveScan {
  const scan: DirectiveScan = { directives: [], escape: '\\', problems: [] };
  let lineStart = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const seen = new Set<string>();
  while (lineStart < text.length) {
    const nl = text.indexOf('\n', lineStart);
    const next = nl < 0 ? text.length : nl + 1;
    // A line that starts with a letter (most files' first: FROM, ARG) is no directive.
    const initial = text.charCodeAt(lineStart) | 0x20;
    if (initial >= 0x61 && initial <= 0x7a) break;
    let contentEnd = nl < 0 ? text.length : nl;
    while (contentEnd > lineStart && text.charCodeAt(contentEnd - 1) === 13) contentEnd--;
    const m = directiveLine.exec(text.slice(lineStart, contentEnd));
    if (!m) break;
    const name = m[2]!.toLowerCase();
    if (!(DIRECTIVE_NAMES as readonly string[]).includes(name)) break;
    const hashOffset = lineStart + m[1]!.length;
    const nameStart = text.indexOf(m[2]!, hashOffset);
    const valueStart = text.indexOf(m[3]!, nameStart + m[2]!.length);
    const directive: ScannedDirective = {
      name: name as DirectiveName,
      value: m[3]!,
      hashOffset,
      nameStart,
      nameEnd: nameStart + m[2]!.length,
      valueStart,
      valueEnd: valueStart + m[3]!.length,
      lineEnd: contentEnd,
    };
    if (seen.has(name)) {
      scan.problems.push({
        code: 'DF011',
        message: `only one ${name} parser directive can be used`,
        start: hashOffset,
        end: contentEnd,
      });
    } else {
      seen.add(name);
      if (name === 'escape') {
        if (directive.value === '`' || directive.value === '\\') scan.escape = directive.value;
        else
          scan.problems.push({
            code: 'DF012',
            message: `invalid escape token '${directive.value}' does not match \` or \\`,
            start: directive.valueStart,
            end: directive.valueEnd,
          });
      }
    }
    scan.directives.push(directive);
    lineStart = next;
  }
  return scan;
}

/** Whether a comment line outside the directive block looks like a directive (it is ignored). */
export function looksLikeDirective(commentText: string): DirectiveName | undefined {
  if (!commentText.includes('=')) return undefined;
  // A comment from its `#`: the name, after any blanks, must start as one of the three do.
  if (commentText.charCodeAt(0) === 35) {
    let i = 1;
    while (commentText.charCodeAt(i) === 32 || commentText.charCodeAt(i) === 9) i++;
    const initial = commentText.charCodeAt(i) | 0x20;
    if (initial !== 0x73 && initial !== 0x65 && initial !== 0x63) return undefined; // s, e, c
  }
  const m = directiveLine.exec(commentText);
  if (!m) return undefined;
  const name = m[2]!.toLowerCase();
  return (DIRECTIVE_NAMES as readonly string[]).includes(name) ? (name as DirectiveName) : undefined;
}
