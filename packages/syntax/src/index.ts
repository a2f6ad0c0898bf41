// @dfc/syntax: Dockerfile text → AST with exact source ranges, plus diagnostics. No I/O.
//
//   tokens.ts        the Chevrotain lexer (modes, context-sensitive tokens) and a faster scanner making the same tokens
//   parser.ts        the grammar (a Chevrotain parser, rules only) and the token-type check that spares it on valid files
//   build.ts         CST → AST: logical lines, per-instruction argument shapes, ranges
//   validate.ts      what BuildKit's instruction layer rejects, as diagnostics
//   directives.ts    `# syntax=`, `# escape=`, `# check=`
//   heredoc.ts       `<<EOF` markers;  json-array.ts  the exec form;  words.ts  word splitting
//   print.ts         the lossless printer;  dump.ts  BuildKit's AST dump format
//   reference.ts     what each instruction looks like;  grammar-docs.ts  grammar/ for readers
import type { ParseResult } from './ast.js';
import { buildDockerfile } from './build.js';
import { LineMap } from './positions.js';

export type * from './ast.js';
export { INSTRUCTION_NAMES } from './ast.js';
export { DIAGNOSTIC_CODES, type DiagnosticCode } from './diagnostics.js';
export { INSTRUCTION_FLAGS } from './validate.js';
export { print } from './print.js';
export { dumpBuildkit, goQuote } from './dump.js';
export { splitRawWords, type RawWord } from './words.js';
export { rangeIn } from './positions.js';
export { grammar } from './parser.js';
export { grammarDocs } from './grammar-docs.js';
export { INSTRUCTION_REFERENCE, type InstructionReference } from './reference.js';

/** Parses Dockerfile text. Never throws: problems come back as diagnostics. */
export function parse(text: string): ParseResult {
  try {
    return buildDockerfile(text);
  } catch (err) {
    // A bug in dfc, not in the input: keep the promise of never throwing, and say so.
    const message = err instanceof Error ? err.message : String(err);
    const end = { line: 1, column: 1, offset: 0 };
    return {
      ast: {
        kind: 'dockerfile',
        // On a line map like every tree parse makes, so that rangeIn() works on it too.
        range: new LineMap(text).range(0, 0),
        escapeChar: '\\',
        bom: false,
        children: [{ kind: 'blank', range: { start: end, end }, text }],
        directives: [],
        instructions: [],
      },
      diagnostics: [{ code: 'DF000', severity: 'error', message: `internal parser error: ${message}`, range: { start: end, end } }],
    };
  }
}
