// Tokens and the lexer. The lexer covers every character of the input (the tree is lossless),
// so whitespace, comments, continuations and heredoc bodies are tokens too.
//
// Two modes: `line` at the start of a logical line (blank lines, comments, the keyword) and
// `instruction` for the rest of it. Tokens that depend on context use Chevrotain custom
// matchers: the escape character (set by a directive) decides what a continuation is, a
// continuation's escape must not be escaped itself, a continuation skips comment and empty
// lines, and heredoc bodies follow the line that opened them.
//
// The Chevrotain lexer is the definition; tokenStream() runs a scanner written from it (the same
// patterns, tried in the same order) that writes the tokens as a TokenStream of offsets, and
// test/lexer checks that the two make the same tokens.
import type { CustomPatternMatcherReturn, IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';
import type { HeredocMarker } from './heredoc.js';
import { heredocMarkersOfLine } from './instruction-line.js';
import { joinStream, joinTokens } from './logical-line.js';
import { lineStartsOf } from './positions.js';

export type EscapeChar = '\\' | '`';

/** Go's unicode.IsSpace minus the newline: what BuildKit trims before a keyword. */
export const SPACE_CHARS = ' \\t\\v\\f\\r\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Payload of a HeredocBody token: which marker of its instruction it closes. */
export interface HeredocBodyPayload {
  marker: HeredocMarker;
  /** Length of the body proper; the rest of the token is the terminator line. */
  bodyLength: number;
}

// The escape character of the text being tokenized; set by tokenizeWithChevrotain() for the duration of a call.
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

/** A token's kind in a TokenStream: its index in allTokens. */
export const enum Kind {
  Bom, Newline, Whitespace, Comment, FirstLine, LineContinuation, HeredocBody,
  Text, Escape, Continuation, ContinuationComment, EmptyContinuationLine, InstructionEnd,
}

const KIND_OF: ReadonlyMap<TokenType, Kind> = new Map(allTokens.map((t, i) => [t, i as Kind]));

/** The kind of a Chevrotain token type (one of allTokens). */
export function kindOf(type: TokenType): Kind {
  return KIND_OF.get(type)!;
}

export interface LexError {
  offset: number;
  length: number;
  message: string;
}

/**
 * Tokens as parallel arrays (kind, start and end offset of each) rather than an object and an
 * image per token: the builder reads the text by offsets. Heredoc bodies' payloads by index.
 */
export interface TokenStream {
  count: number;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  payloads: Map<number, HeredocBodyPayload> | undefined;
  errors: LexError[];
}

function newStream(capacity: number): TokenStream {
  return {
    count: 0,
    kinds: new Uint8Array(capacity),
    starts: new Int32Array(capacity),
    ends: new Int32Array(capacity),
    payloads: undefined,
    errors: [],
  };
}

function grow(s: TokenStream): void {
  const capacity = s.kinds.length * 2;
  const kinds = new Uint8Array(capacity);
  const starts = new Int32Array(capacity);
  const ends = new Int32Array(capacity);
  kinds.set(s.kinds);
  starts.set(s.starts);
  ends.set(s.ends);
  s.kinds = kinds;
  s.starts = starts;
  s.ends = ends;
}

function push(s: TokenStream, kind: Kind, start: number, end: number): void {
  if (s.count === s.kinds.length) grow(s);
  const i = s.count++;
  s.kinds[i] = kind;
  s.starts[i] = start;
  s.ends[i] = end;
}

// The scanner fills one stream again and again: a parse reads its tokens before it returns, and
// keeps none. (One that grew large for a big text is let go at the next text.)
const SHARED_CAPACITY = 4096;
let shared = newStream(SHARED_CAPACITY);

function sharedStream(): TokenStream {
  if (shared.kinds.length > SHARED_CAPACITY * 16) shared = newStream(SHARED_CAPACITY);
  shared.count = 0;
  shared.payloads = undefined;
  shared.errors = [];
  return shared;
}

/** The tokens of a stream as Chevrotain makes them. */
export function streamTokens(text: string, s: TokenStream): IToken[] {
  const tokens: IToken[] = [];
  for (let i = 0; i < s.count; i++) {
    const type = allTokens[s.kinds[i]!]!;
    const token = { image: text.slice(s.starts[i]!, s.ends[i]!), startOffset: s.starts[i]!, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken;
    const payload = s.payloads?.get(i);
    if (payload !== undefined) token.payload = payload;
    tokens.push(token);
  }
  return tokens;
}

// Made when first needed: the scanner reads almost every text, and building the lexer (Chevrotain
// analyses every pattern) was a tenth of a no-op `dfc build`'s own time.
let lexer: InstanceType<typeof Lexer> | undefined;

function chevrotainLexer(): InstanceType<typeof Lexer> {
  lexer ??= new Lexer(
    {
      modes: {
        line: [Bom, HeredocBody, FirstLine, Newline, Whitespace, Comment, LineContinuation],
        instruction: [Text, ContinuationComment, EmptyContinuationLine, InstructionEnd, Continuation, Escape],
      },
      defaultMode: 'line',
    },
    { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: true },
  );
  return lexer;
}

/**
 * The tokens of `text` with the given escape character. Never throws; unknown characters can't
 * occur. The scanner below makes the tokens; the Chevrotain lexer above (the definition the
 * grammar and its docs are written against) takes over for a text the scanner cannot read to the
 * end. The stream is valid until the next call.
 */
export function tokenStream(text: string, escape: EscapeChar, lineStarts: readonly number[] = lineStartsOf(text)): TokenStream {
  const stream = sharedStream();
  const scanned = scanTokens(text, escape === '\\' ? BACKSLASH : BACKTICK, lineStarts, stream);
  markerCache = undefined;
  if (scanned) return stream;
  const { tokens, errors } = tokenizeWithChevrotain(text, escape);
  const s = newStream(Math.max(tokens.length, 1));
  for (const token of tokens) {
    const i = s.count;
    push(s, kindOf(token.tokenType), token.startOffset, token.startOffset + token.image.length);
    if (token.payload !== undefined) (s.payloads ??= new Map()).set(i, token.payload as HeredocBodyPayload);
  }
  s.errors = errors;
  return s;
}

/** Tokenizes `text` as tokenStream does, into Chevrotain tokens. */
export function tokenize(text: string, escape: EscapeChar): { tokens: IToken[]; errors: LexError[] } {
  const stream = tokenStream(text, escape);
  return { tokens: streamTokens(text, stream), errors: stream.errors };
}

/** The Chevrotain lexer alone (what tokenize must agree with; the tests compare the two). */
export function tokenizeWithChevrotain(text: string, escape: EscapeChar): { tokens: IToken[]; errors: LexError[] } {
  escapeInUse = escape;
  heredocCache = undefined;
  try {
    const result = chevrotainLexer().tokenize(text);
    return { tokens: result.tokens, errors: result.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message })) };
  } finally {
    heredocCache = undefined;
  }
}

// --- the scanner -------------------------------------------------------------------------
//
// The token definitions above, tried in the same order per mode, with each pattern written out
// over character codes: Chevrotain's loop over custom matchers, with a regex and a match array
// per try, cost a third of a parse. A pattern whose first character cannot match is not tried.

const NL = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const HASH = 35;
const BACKSLASH = 92;
const BACKTICK = 96;

/** SPACE_CHARS as a test on one character code. */
function isSpaceChar(c: number): boolean {
  if (c < 128) return c === SPACE || (c >= TAB && c <= CR && c !== NL);
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** `[ \t]*(?:\r*\n|\r*$)` at `i`: where it ends, or -1. */
function blanksToLineEnd(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
  while (c === CR) c = text.charCodeAt(++i);
  if (c === NL) return i + 1;
  return i >= text.length ? i : -1;
}

/**
 * The TEXT_* pattern at `offset`, given where its line ends (`nl`, or the text's length): where
 * the run of text ends (offset when there is none). Text runs to the line end, except for a run
 * of CRs before it and an escape followed only by blanks and CRs: only the end of a line can
 * stop it, so it is read backwards from there.
 */
function textEnd(text: string, offset: number, nl: number, esc: number): number {
  let end = nl;
  while (end > offset && text.charCodeAt(end - 1) === CR) end--;
  let b = end;
  while (b > offset) {
    const c = text.charCodeAt(b - 1);
    if (c !== SPACE && c !== TAB) break;
    b--;
  }
  return b > offset && text.charCodeAt(b - 1) === esc ? b - 1 : end;
}

/** matchContinuation: an escape, not itself escaped, with only blanks after it on its line. */
function continuationEnd(text: string, offset: number, esc: number): number {
  if (text.charCodeAt(offset) !== esc || text.charCodeAt(offset - 1) === esc) return -1;
  return blanksToLineEnd(text, offset + 1);
}

function isContinuationKind(k: number): boolean {
  return k === Kind.Continuation || k === Kind.LineContinuation || k === Kind.ContinuationComment || k === Kind.EmptyContinuationLine;
}

/**
 * Fills `out` with the tokens of `text`, as the lexer makes them; false where no token matches
 * (the lexer reports it). `lineStarts` are the text's line starts (lineStartsOf): looking for each
 * line end again would cost as much as finding them did.
 */
function scanTokens(text: string, esc: number, lineStarts: readonly number[], out: TokenStream): boolean {
  const n = text.length;
  let offset = 0;
  let instruction = false;
  let last = -1;
  // Whether a token of the current instruction holds `<<`: without one it has no heredoc bodies.
  let markers = false;
  // The first `<<` at or after the last place looked from (n when there is none).
  let nextMarker = -1;
  // The line `offset` is on, and where it ends: its newline, or n on the last line.
  let line = 0;
  let nextNl = lineStarts.length > 1 ? lineStarts[1]! - 1 : n;
  markerCache = undefined;
  while (offset < n) {
    const c = text.charCodeAt(offset);
    let kind = -1;
    let end = -1;
    if (nextNl < offset) {
      while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line++;
      nextNl = line + 1 < lineStarts.length ? lineStarts[line + 1]! - 1 : n;
    }
    if (!instruction) {
      // line: Bom, HeredocBody, FirstLine, Newline, Whitespace, Comment, LineContinuation
      if (offset === 0 && c === 0xfeff) {
        kind = Kind.Bom;
        end = 1;
      }
      if (kind < 0 && markers && (last === Kind.InstructionEnd || last === Kind.HeredocBody)) {
        const body = heredocBodyAt(text, offset, out);
        if (body) {
          kind = Kind.HeredocBody;
          end = offset + body.length;
          (out.payloads ??= new Map()).set(out.count, body.payload);
        }
      }
      if (kind < 0 && c !== NL && c !== HASH && !isSpaceChar(c)) {
        const e = textEnd(text, offset, nextNl, esc);
        if (e > offset) {
          kind = Kind.FirstLine;
          end = e;
          instruction = true;
        }
      }
      if (kind < 0 && (c === CR || c === NL)) {
        let i = offset;
        while (text.charCodeAt(i) === CR) i++;
        if (text.charCodeAt(i) === NL) {
          end = i + 1;
          for (;;) {
            let j = end;
            let b = text.charCodeAt(j);
            while (b === SPACE || b === TAB || b === 11 || b === 12 || b === CR) b = text.charCodeAt(++j);
            if (b !== NL) break;
            end = j + 1;
          }
          kind = Kind.Newline;
        }
      }
      if (kind < 0 && isSpaceChar(c)) {
        end = offset + 1;
        while (isSpaceChar(text.charCodeAt(end))) end++;
        kind = Kind.Whitespace;
      }
      if (kind < 0 && c === HASH) {
        end = nextNl < n ? nextNl + 1 : n;
        kind = Kind.Comment;
      }
      if (kind < 0 && c === esc) {
        end = continuationEnd(text, offset, esc);
        if (end >= 0) {
          kind = Kind.LineContinuation;
          instruction = true;
        }
      }
    } else {
      // instruction: Text, ContinuationComment, EmptyContinuationLine, InstructionEnd, Continuation, Escape
      // After a continuation: the commentLine and emptyLine patterns (their ends, or -1), which
      // start with the same blanks.
      let comment = -1;
      let empty = -1;
      if (isContinuationKind(last)) {
        let i = offset;
        while (isSpaceChar(text.charCodeAt(i))) i++;
        const b = text.charCodeAt(i);
        if (b === HASH) comment = nextNl < n ? nextNl + 1 : n;
        else if (b === NL) empty = i + 1;
        else if (i >= n && i > offset) empty = i;
      }
      if (comment < 0 && empty < 0) {
        const e = textEnd(text, offset, nextNl, esc);
        if (e > offset) {
          kind = Kind.Text;
          end = e;
        }
      }
      if (kind < 0 && comment >= 0) {
        kind = Kind.ContinuationComment;
        end = comment;
      } else if (kind < 0 && empty >= 0) {
        kind = Kind.EmptyContinuationLine;
        end = empty;
      }
      if (kind < 0 && (c === CR || c === NL)) {
        let i = offset;
        while (text.charCodeAt(i) === CR) i++;
        if (text.charCodeAt(i) === NL) end = i + 1;
        else if (i >= n && i > offset) end = i;
        if (end >= 0) {
          kind = Kind.InstructionEnd;
          instruction = false;
        }
      }
      if (kind < 0 && c === esc) {
        end = continuationEnd(text, offset, esc);
        if (end >= 0) kind = Kind.Continuation;
        else {
          kind = Kind.Escape;
          end = offset + 1;
        }
      }
    }
    if (kind < 0) return false;
    if (kind === Kind.FirstLine || kind === Kind.LineContinuation || (!markers && (instruction || kind === Kind.InstructionEnd))) {
      if (nextMarker < offset) {
        nextMarker = text.indexOf('<<', offset);
        if (nextMarker < 0) nextMarker = n;
      }
      markers = nextMarker + 2 <= end;
    }
    push(out, kind, offset, end);
    last = kind;
    offset = end;
  }
  return true;
}

// The instruction whose heredoc markers were last computed, so several bodies don't redo the work.
let markerCache: { stream: TokenStream; start: number; markers: HeredocMarker[] } | undefined;

/** matchHeredocBody over a stream: the body at `offset` (its length and payload), if one is due. */
function heredocBodyAt(text: string, offset: number, s: TokenStream): { length: number; payload: HeredocBodyPayload } | undefined {
  const kinds = s.kinds;
  let i = s.count - 1;
  let done = 0;
  while (i >= 0 && kinds[i] === Kind.HeredocBody) {
    done++;
    i--;
  }
  if (i < 0 || kinds[i] !== Kind.InstructionEnd) return undefined;
  let start = i - 1;
  while (start >= 0 && kinds[start] !== Kind.FirstLine && kinds[start] !== Kind.LineContinuation) start--;
  if (start < 0) return undefined;
  let markers: HeredocMarker[];
  if (markerCache && markerCache.stream === s && markerCache.start === start) {
    markers = markerCache.markers;
  } else {
    markers = heredocMarkersOfLine(joinStream(text, s, start, i).text).filter((m) => !m.error);
    markerCache = { stream: s, start, markers };
  }
  const marker = markers[done];
  if (!marker) return undefined;
  const bodyEnd = findTerminator(text, offset, marker);
  if (bodyEnd === undefined) return undefined;
  return { length: bodyEnd.end - offset, payload: { marker, bodyLength: bodyEnd.terminatorStart - offset } };
}
