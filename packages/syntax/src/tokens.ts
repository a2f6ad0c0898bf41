// Tokens and the lexer. The lexer covers every character of the input (the tree is lossless),
// so whitespace, comments, continuations and heredoc bodies are tokens too.
//
// Two modes: `line` at the start of a logical line (blank lines, comments, the keyword) and
// `instruction` for the rest of it. Tokens that depend on context use Chevrotain custom
// matchers: the escape character (set by a directive) decides what a continuation is, a
// continuation's escape must not be escaped itself, a continuation skips comment and empty
// lines, and heredoc bodies follow the line that opened them.
import type { CustomPatternMatcherReturn, IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';
import type { HeredocMarker } from './heredoc.js';
import { heredocMarkersOfLine } from './instruction-line.js';
import { joinTokens } from './logical-line.js';

export type EscapeChar = '\\' | '`';

/** Go's unicode.IsSpace minus the newline: what BuildKit trims before a keyword. */
export const SPACE_CHARS = ' \\t\\v\\f\\r\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Payload of a HeredocBody token: which marker of its instruction it closes. */
export interface HeredocBodyPayload {
  marker: HeredocMarker;
  /** Length of the body proper; the rest of the token is the terminator line. */
  bodyLength: number;
}

// The escape character of the text being tokenized; set by tokenize() for the duration of a call.
let escapeInUse: EscapeChar = '\\';

const spaceRun = new RegExp(`[${SPACE_CHARS}]+`);
// A CR is text unless a run of CRs ends the line; an escape is text unless only blanks follow it.
const TEXT_BACKSLASH = '(?:[^\\r\\n\\\\]|\\\\(?![ \\t]*(?:\\r*\\n|\\r*$))|\\r(?!\\r*(?:\\n|$)))+';
const TEXT_BACKTICK = '(?:[^\\r\\n`]|`(?![ \\t]*(?:\\r*\\n|\\r*$))|\\r(?!\\r*(?:\\n|$)))+';
const textBackslash = new RegExp(TEXT_BACKSLASH, 'y');
const textBacktick = new RegExp(TEXT_BACKTICK, 'y');
// A first line starts with neither a blank (leading blanks are trivia) nor `#` (a comment).
const firstLineBackslash = new RegExp(`(?=[^${SPACE_CHARS}\\n#])${TEXT_BACKSLASH}`, 'y');
const firstLineBacktick = new RegExp(`(?=[^${SPACE_CHARS}\\n#])${TEXT_BACKTICK}`, 'y');
const lineEnd = /\r*\n|\r+$/y;
const afterEscape = /[ \t]*(?:\r*\n|\r*$)/y;
const commentLine = new RegExp(`[${SPACE_CHARS}]*#[^\\n]*(?:\\n|$)`, 'y');
const emptyLine = new RegExp(`[${SPACE_CHARS}]*(?:\\n|[${SPACE_CHARS}]$)`, 'y');

function matchAt(re: RegExp, text: string, offset: number): CustomPatternMatcherReturn | null {
  re.lastIndex = offset;
  const m = re.exec(text);
  return m ? [m[0]] : null;
}

/** An escape followed only by spaces and tabs up to the end of the line, not itself escaped. */
function matchContinuation(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text[offset] !== escapeInUse || text[offset - 1] === escapeInUse) return null;
  afterEscape.lastIndex = offset + 1;
  const m = afterEscape.exec(text);
  if (!m || m[0].length === 0 && offset + 1 < text.length) return null;
  return [text.slice(offset, offset + 1 + m[0].length)];
}

function followsContinuation(tokens: IToken[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return false;
  const t = last.tokenType;
  return t === Continuation || t === LineContinuation || t === ContinuationComment || t === EmptyContinuationLine;
}

// --- line mode ---------------------------------------------------------------------------

/** A byte-order mark at the very start of the text. */
export const Bom = createToken({
  name: 'Bom',
  pattern: { exec: (text, offset) => (offset === 0 && text.charCodeAt(0) === 0xfeff ? ['\ufeff'] : null) },
  line_breaks: false,
});

/** A line end, with any blank lines after it. */
export const Newline = createToken({ name: 'Newline', pattern: /\r*\n(?:[ \t\v\f\r]*\n)*/, line_breaks: true });
export const Whitespace = createToken({ name: 'Whitespace', pattern: spaceRun });
/** A comment line, its line end included. */
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*\n?/, line_breaks: true });

/**
 * An instruction's first line, keyword included, up to the line end or a continuation. (One
 * token rather than keyword + text: the keyword is only known once continuations are joined.)
 */
export const FirstLine = createToken({
  name: 'FirstLine',
  pattern: { exec: (text, offset) => matchAt(escapeInUse === '\\' ? firstLineBackslash : firstLineBacktick, text, offset) },
  line_breaks: false,
  push_mode: 'instruction',
});

export const LineContinuation = createToken({
  name: 'LineContinuation',
  pattern: { exec: (text, offset) => matchContinuation(text, offset) },
  line_breaks: true,
  push_mode: 'instruction',
});

/** Heredoc bodies follow the line of the instruction that opened them, terminator included. */
export const HeredocBody = createToken({
  name: 'HeredocBody',
  pattern: { exec: (text, offset, tokens) => matchHeredocBody(text, offset, tokens) },
  line_breaks: true,
});

// --- instruction mode --------------------------------------------------------------------

/**
 * Argument text up to the end of the line or a continuation. An escape that does not end the
 * line is text; one that does is a Continuation (or, when escaped itself, an Escape).
 */
export const Text = createToken({
  name: 'Text',
  pattern: {
    exec: (text, offset, tokens) => {
      if (followsContinuation(tokens) && (matchAt(commentLine, text, offset) || matchAt(emptyLine, text, offset))) return null;
      return matchAt(escapeInUse === '\\' ? textBackslash : textBacktick, text, offset);
    },
  },
  line_breaks: false,
});

/** An escape character that is not a line continuation: part of the argument text. */
export const Escape = createToken({
  name: 'Escape',
  pattern: { exec: (text, offset) => (text[offset] === escapeInUse ? [escapeInUse] : null) },
  line_breaks: false,
});

export const Continuation = createToken({
  name: 'Continuation',
  pattern: { exec: (text, offset) => matchContinuation(text, offset) },
  line_breaks: true,
});

/** A comment line inside a continued instruction: dropped, and the instruction goes on. */
export const ContinuationComment = createToken({
  name: 'ContinuationComment',
  pattern: {
    exec: (text, offset, tokens) => (followsContinuation(tokens) ? matchAt(commentLine, text, offset) : null),
  },
  line_breaks: true,
});

/** An empty line inside a continued instruction: dropped (deprecated, BuildKit warns). */
export const EmptyContinuationLine = createToken({
  name: 'EmptyContinuationLine',
  pattern: {
    exec: (text, offset, tokens) => (followsContinuation(tokens) ? matchAt(emptyLine, text, offset) : null),
  },
  line_breaks: true,
});

export const InstructionEnd = createToken({
  name: 'InstructionEnd',
  pattern: { exec: (text, offset) => matchAt(lineEnd, text, offset) },
  line_breaks: true,
  pop_mode: true,
});

// --- heredoc bodies ----------------------------------------------------------------------

// The instruction whose markers were last computed, so several bodies don't redo the work.
let heredocCache: { tokens: IToken[]; start: number; markers: HeredocMarker[] } | undefined;

function matchHeredocBody(text: string, offset: number, tokens: IToken[]): CustomPatternMatcherReturn | null {
  // Bodies come right after the instruction's line end, or after the previous body.
  let i = tokens.length - 1;
  let done = 0;
  while (i >= 0 && tokens[i]!.tokenType === HeredocBody) {
    done++;
    i--;
  }
  const end = tokens[i];
  if (!end || end.tokenType !== InstructionEnd) return null;
  let start = i - 1;
  while (start >= 0 && !isInstructionStart(tokens[start]!.tokenType)) start--;
  if (start < 0) return null;
  let markers: HeredocMarker[];
  if (heredocCache && heredocCache.tokens === tokens && heredocCache.start === start) {
    markers = heredocCache.markers;
  } else {
    markers = [];
    let hasMarker = false;
    for (let k = start; k < i; k++) if (tokens[k]!.image.includes('<<')) hasMarker = true;
    if (hasMarker) markers = heredocMarkersOfLine(joinTokens(tokens, start, i).text).filter((m) => !m.error);
    heredocCache = { tokens, start, markers };
  }
  const marker = markers[done];
  if (!marker) return null;
  const bodyEnd = findTerminator(text, offset, marker);
  if (bodyEnd === undefined) return null;
  const result: CustomPatternMatcherReturn = [text.slice(offset, bodyEnd.end)];
  result.payload = { marker, bodyLength: bodyEnd.terminatorStart - offset } satisfies HeredocBodyPayload;
  return result;
}

function isInstructionStart(t: TokenType): boolean {
  return t === FirstLine || t === LineContinuation;
}

/** The line that ends a heredoc: its name alone (after leading tabs for `<<-`), CRs ignored. */
function findTerminator(
  text: string,
  offset: number,
  marker: HeredocMarker,
): { terminatorStart: number; end: number } | undefined {
  let lineStart = offset;
  while (lineStart <= text.length) {
    if (lineStart === text.length) return undefined;
    let nl = text.indexOf('\n', lineStart);
    const lineEndAt = nl < 0 ? text.length : nl;
    let contentEnd = lineEndAt;
    while (contentEnd > lineStart && text.charCodeAt(contentEnd - 1) === 13) contentEnd--;
    let contentStart = lineStart;
    if (marker.chomp) while (text.charCodeAt(contentStart) === 9 && contentStart < contentEnd) contentStart++;
    if (contentEnd - contentStart === marker.name.length && text.startsWith(marker.name, contentStart)) {
      return { terminatorStart: lineStart, end: nl < 0 ? text.length : nl + 1 };
    }
    if (nl < 0) return undefined;
    lineStart = nl + 1;
  }
  return undefined;
}

// --- the lexer ---------------------------------------------------------------------------

/** What each token matches, for the grammar reference. */
export const TOKEN_DOCS: Readonly<Record<string, { mode: string; matches: string }>> = {
  Bom: { mode: 'line', matches: 'a byte-order mark at the start of the text' },
  HeredocBody: { mode: 'line', matches: 'the lines after an instruction with `<<NAME`, up to and including the line `NAME`' },
  Newline: { mode: 'line', matches: 'a line end (`\\n`, after any CRs) and the blank lines after it' },
  Whitespace: { mode: 'line', matches: 'blanks before a keyword or comment (Unicode spaces)' },
  Comment: { mode: 'line', matches: 'a line whose first non-blank character is `#`, with its line end' },
  FirstLine: { mode: 'line → instruction', matches: 'the first line of an instruction, keyword included, up to its end or a continuation' },
  LineContinuation: { mode: 'line → instruction', matches: 'an escape and blanks ending the line, before any keyword' },
  Text: { mode: 'instruction', matches: 'argument text up to the line end or a continuation' },
  ContinuationComment: { mode: 'instruction', matches: 'a comment line after a continuation: skipped' },
  EmptyContinuationLine: { mode: 'instruction', matches: 'an empty line after a continuation: skipped (deprecated)' },
  InstructionEnd: { mode: 'instruction → line', matches: 'the line end that ends the instruction' },
  Continuation: { mode: 'instruction', matches: 'the escape (not itself escaped) and blanks ending a line: joins the next line' },
  Escape: { mode: 'instruction', matches: 'an escaped escape at the end of a line: text, not a continuation' },
};

export const allTokens: TokenType[] = [
  Bom, Newline, Whitespace, Comment, FirstLine, LineContinuation, HeredocBody,
  Text, Escape, Continuation, ContinuationComment, EmptyContinuationLine, InstructionEnd,
];

const lexer = new Lexer(
  {
    modes: {
      line: [Bom, HeredocBody, FirstLine, Newline, Whitespace, Comment, LineContinuation],
      instruction: [Text, ContinuationComment, EmptyContinuationLine, InstructionEnd, Continuation, Escape],
    },
    defaultMode: 'line',
  },
  { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: true },
);

/** Tokenizes `text` with the given escape character. Never throws; unknown characters can't occur. */
export function tokenize(text: string, escape: EscapeChar): { tokens: IToken[]; errors: { offset: number; length: number; message: string }[] } {
  escapeInUse = escape;
  heredocCache = undefined;
  try {
    const result = lexer.tokenize(text);
    return { tokens: result.tokens, errors: result.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message })) };
  } finally {
    heredocCache = undefined;
  }
}
