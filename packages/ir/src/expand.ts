// Shell-word expansion with BuildKit's lexer semantics (frontend/dockerfile/shell): quotes,
// the escape character, `$VAR` / `${VAR…}` substitution, and word splitting. Errors are
// returned as values with the offset where the word went wrong; nothing here throws.
import { replaceMatches, trimPrefix, trimSuffix, type PatternOutcome } from './pattern.js';

/** The Dockerfile's escape character, as set by the `# escape=` directive. */
export type EscapeChar = '\\' | '`';

/** Where variable values come from. A `Map<string, string>` is one. */
export interface Environment {
  get(name: string): string | undefined;
}

export interface ExpandOptions {
  /** Default `\`. */
  readonly escapeChar?: EscapeChar;
  /** Leave references to unset variables as written (BuildKit's SkipUnsetEnv). */
  readonly skipUnset?: boolean;
  /** Keep quote characters in the result (BuildKit's RawQuotes; heredoc marker detection). */
  readonly rawQuotes?: boolean;
  /** Keep escape characters in the result (BuildKit's RawEscapes; heredoc marker detection). */
  readonly rawEscapes?: boolean;
}

export interface ExpandError {
  readonly message: string;
  /** UTF-16 offset in the word where the failing construct (`$`, `${` or quote) starts. */
  readonly offset: number;
  /** UTF-16 offset where scanning stopped (exclusive); `offset < end <= word.length`. */
  readonly end: number;
}

/**
 * Variable names an expansion looked up, in first-read order. Like BuildKit's matched and
 * unmatched sets, these include positional and special parameters (`1`, `@`, `$`), never set.
 */
export interface VariableReads {
  /** Every name looked up, set or not (a step's cache key depends on all of them). */
  readonly read: readonly string[];
  /** The names in `read` that were unset. */
  readonly unset: readonly string[];
}

export type Expansion<T> =
  | ({ readonly ok: true; readonly value: T } & VariableReads)
  | ({ readonly ok: false; readonly error: ExpandError } & VariableReads);

const DOLLAR = 0x24;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COLON = 0x3a;
const SLASH = 0x2f;
const UNDERSCORE = 0x5f;
const BOM = 0xfeff;
const END = -1;

/** Deep enough for any real Dockerfile; bounds recursion on hostile input. */
const MAX_NESTING = 256;

const NO_NAMES: readonly string[] = Object.freeze([]);

/**
 * Expand one word as BuildKit's ProcessWord does: quotes removed, escapes applied, variables
 * substituted, whitespace kept, no splitting.
 */
export function expandWord(word: string, env: Environment, options: ExpandOptions = {}): Expansion<string> {
  if (!hasSpecialChars(word, options)) return { ok: true, value: word, read: NO_NAMES, unset: NO_NAMES };
  const scanner = new WordScanner(word, env, options);
  const value = scanner.scan(END, options.rawEscapes === true, null);
  return scanner.finish(value);
}

/**
 * Expand, then split into words as BuildKit's ProcessWords does: unquoted whitespace separates
 * words, and so does whitespace in the value of an unquoted variable reference (also in the
 * `w` of an unquoted `${VAR:-w}`); quoted and escaped text is never split; empty words are dropped.
 */
export function expandWords(word: string, env: Environment, options: ExpandOptions = {}): Expansion<string[]> {
  const words = new WordSplitter();
  if (!hasSpecialChars(word, options)) {
    words.plain(word, 0, word.length);
    return { ok: true, value: words.finish(), read: NO_NAMES, unset: NO_NAMES };
  }
  const scanner = new WordScanner(word, env, options);
  const value = scanner.scan(END, options.rawEscapes === true, words);
  return scanner.finish(value === null ? null : words.finish());
}

/** The characters that make a word need the scanner, per escape character: quotes, `$`, the escape. */
const SPECIAL_BACKSLASH = /[$'"\\]|^\uFEFF/;
const SPECIAL_BACKTICK = /[$'"`]|^\uFEFF/;

/**
 * Whether the word needs the scanner at all. A leading byte-order mark does: Go's text/scanner,
 * which BuildKit reads words with, drops it. (A pattern, not a loop over charCodeAt: words are
 * slices of the Dockerfile's text, which a pattern reads in place much faster.)
 */
function hasSpecialChars(word: string, options: ExpandOptions): boolean {
  return (options.escapeChar === '`' ? SPECIAL_BACKTICK : SPECIAL_BACKSLASH).test(word);
}

/** Go's unicode.IsSpace: ASCII and Latin-1 blanks plus the Unicode White_Space characters. */
function isSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  if (c === 0x85 || c === 0xa0) return true;
  if (c < 0x1680) return false;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function isDigitPoint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return DIGIT.test(String.fromCodePoint(cp));
}

function isLetterPoint(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return LETTER.test(String.fromCodePoint(cp));
}

/** Positional-like special parameters: `$@`, `$*`, `$#`, `$?`, `$-`, `$$`, `$!`, `$0`. */
function isSpecialParameter(c: number): boolean {
  return c === 0x40 || c === 0x2a || c === 0x23 || c === 0x3f || c === 0x2d || c === DOLLAR || c === 0x21 || c === 0x30;
}

/** Collects words the way BuildKit's wordsStruct does. */
class WordSplitter {
  private readonly words: string[] = [];
  private word = '';
  private inWord = false;

  /** Unquoted text: whitespace ends the current word. */
  plain(text: string, from: number, to: number): void {
    let runStart = from;
    for (let i = from; i < to; i++) {
      if (!isSpaceCode(text.charCodeAt(i))) continue;
      if (i > runStart) {
        this.word += text.slice(runStart, i);
        this.inWord = true;
      }
      runStart = i + 1;
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    }
    if (to > runStart) {
      this.word += text.slice(runStart, to);
      this.inWord = true;
    }
  }

  /** Quoted or escaped text: added to the current word as it is. */
  raw(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) this.words.push(this.word);
    return this.words;
  }
}

class WordScanner {
  private pos = 0;
  private depth = 0;
  private readonly escape: number;
  private rawEscapes = false;
  private error: ExpandError | undefined;
  private read: Set<string> | undefined;
  private unset: Set<string> | undefined;

  constructor(
    private readonly src: string,
    private readonly env: Environment,
    private readonly options: ExpandOptions,
  ) {
    this.escape = (options.escapeChar ?? '\\').charCodeAt(0);
    if (src.charCodeAt(0) === BOM) this.pos = 1;
  }

  finish<T>(value: T | null): Expansion<T> {
    const read = this.read ? [...this.read] : NO_NAMES;
    const unset = this.unset ? [...this.unset] : NO_NAMES;
    if (value === null) {
      const error = this.error ?? { message: 'internal error: expansion failed', offset: 0, end: this.src.length };
      return { ok: false, error, read, unset };
    }
    return { ok: true, value, read, unset };
  }

  private fail(message: string, offset: number, end: number): null {
    this.error ??= { message, offset, end: Math.max(end, Math.min(offset + 1, this.src.length)) };
    return null;
  }

  private lookup(name: string): string | undefined {
    const value = this.env.get(name);
    if (name.length > 0) {
      (this.read ??= new Set()).add(name);
      if (value === undefined) (this.unset ??= new Set()).add(name);
    }
    return value;
  }

  /**
   * BuildKit's processStopOn: expand until `stop` (consumed) or, for END, the end of the word.
   * Returns null on error; when `stop` was never found `this.error` stays unset, so the caller
   * can say what was missing.
   */
  scan(stop: number, rawEscapes: boolean, words: WordSplitter | null): string | null {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    const s = this.src;
    const n = s.length;
    const escape = this.escape;
    let out = '';
    let found = stop === END;
    while (this.pos < n) {
      const c = s.charCodeAt(this.pos);
      if (c === stop) {
        this.pos++;
        found = true;
        break;
      }
      if (c === DOLLAR) {
        const value = this.dollar();
        if (value === null) return this.restore(saved);
        out += value;
        words?.plain(value, 0, value.length);
      } else if (c === SINGLE_QUOTE || c === DOUBLE_QUOTE) {
        const value = c === SINGLE_QUOTE ? this.singleQuoted() : this.doubleQuoted();
        if (value === null) return this.restore(saved);
        out += value;
        words?.raw(value);
      } else if (c === escape) {
        this.pos++;
        if (rawEscapes) {
          out += s[this.pos - 1];
          words?.raw(s[this.pos - 1]!);
        }
        if (this.pos >= n) break; // a lone escape at the end is dropped
        const ch = s[this.pos++]!;
        out += ch;
        words?.raw(ch);
      } else {
        const start = this.pos++;
        while (this.pos < n) {
          const d = s.charCodeAt(this.pos);
          if (d === stop || d === DOLLAR || d === SINGLE_QUOTE || d === DOUBLE_QUOTE || d === escape) break;
          this.pos++;
        }
        out += s.slice(start, this.pos);
        words?.plain(s, start, this.pos);
      }
    }
    this.rawEscapes = saved;
    return found ? out : null;
  }

  private restore(saved: boolean): null {
    this.rawEscapes = saved;
    return null;
  }

  /** `'…'`: every character literal; a `'` cannot be escaped inside. */
  private singleQuoted(): string | null {
    const start = this.pos;
    const close = this.src.indexOf("'", start + 1);
    if (close < 0) {
      return this.fail("unterminated single-quoted string: add the closing '", start, this.src.length);
    }
    this.pos = close + 1;
    return this.options.rawQuotes ? this.src.slice(start, close + 1) : this.src.slice(start + 1, close);
  }

  /** `"…"`: `$` expands; the escape character escapes only `"`, `$` and itself. */
  private doubleQuoted(): string | null {
    const s = this.src;
    const n = s.length;
    const escape = this.escape;
    const start = this.pos++;
    let out = this.options.rawQuotes ? '"' : '';
    for (;;) {
      if (this.pos >= n) return this.fail('unterminated double-quoted string: add the closing "', start, n);
      const c = s.charCodeAt(this.pos);
      if (c === DOUBLE_QUOTE) {
        this.pos++;
        if (this.options.rawQuotes) out += '"';
        return out;
      }
      if (c === DOLLAR) {
        const value = this.dollar();
        if (value === null) return null;
        out += value;
      } else if (c === escape) {
        const esc = s[this.pos++]!;
        if (this.rawEscapes) out += esc;
        if (this.pos >= n) continue;
        const next = s.charCodeAt(this.pos);
        if (next === DOUBLE_QUOTE || next === DOLLAR || next === escape) {
          out += s[this.pos++];
        } else {
          out += esc; // any other escape stays (and, like BuildKit, doubles in raw-escape mode)
        }
      } else {
        const runStart = this.pos++;
        while (this.pos < n) {
          const d = s.charCodeAt(this.pos);
          if (d === DOUBLE_QUOTE || d === DOLLAR || d === escape) break;
          this.pos++;
        }
        out += s.slice(runStart, this.pos);
      }
    }
  }

  /**
   * A name after `$`: letters, digits and `_`; or a run of digits (`$1`, `$001`); or one
   * special parameter character. Empty when none of these follows.
   */
  private name(): string {
    const s = this.src;
    const n = s.length;
    const start = this.pos;
    if (start >= n) return '';
    const first = s.codePointAt(start)!;
    if (isDigitPoint(first)) {
      while (this.pos < n) {
        const cp = s.codePointAt(this.pos)!;
        if (!isDigitPoint(cp)) break;
        this.pos += cp > 0xffff ? 2 : 1;
      }
      return s.slice(start, this.pos);
    }
    if (isSpecialParameter(first)) {
      this.pos++;
      return s[start]!;
    }
    while (this.pos < n) {
      const cp = s.codePointAt(this.pos)!;
      if (cp !== UNDERSCORE && !isLetterPoint(cp) && !isDigitPoint(cp)) break;
      this.pos += cp > 0xffff ? 2 : 1;
    }
    return s.slice(start, this.pos);
  }

  /** `$NAME`, `${NAME}` and `${NAME<op>word}`, starting at the `$`. */
  private dollar(): string | null {
    const s = this.src;
    const n = s.length;
    const start = this.pos++;
    const skipUnset = this.options.skipUnset === true;

    if (s.charCodeAt(this.pos) !== OPEN_BRACE) {
      const name = this.name();
      if (name === '') return '$';
      const value = this.lookup(name);
      if (value === undefined) return skipUnset ? '$' + name : '';
      return value;
    }

    this.pos++;
    if (this.pos >= n) return this.fail("missing '}' to close '${'", start, n);
    const first = s.charCodeAt(this.pos);
    if (first === OPEN_BRACE || first === CLOSE_BRACE || first === COLON) {
      return this.fail("bad substitution: '${' must be followed by a variable name", start, this.pos + 1);
    }
    const name = this.name();
    if (this.pos >= n) return this.fail("missing '}' to close '${'", start, n);
    const op = s.charCodeAt(this.pos++);

    if (op === CLOSE_BRACE) {
      const value = this.lookup(name);
      if (value === undefined) return skipUnset ? '${' + name + '}' : '';
      return value;
    }
    if (this.depth >= MAX_NESTING) {
      return this.fail(`variable references nested more than ${MAX_NESTING} deep`, start, this.pos);
    }
    this.depth++;
    const value = op === SLASH ? this.replacement(name, start) : this.modifier(name, op, start);
    this.depth--;
    return value;
  }

  /** `${NAME:-w}` `${NAME-w}` `${NAME:+w}` `${NAME+w}` `${NAME:?w}` `${NAME?w}` `${NAME#p}` `${NAME%p}`. */
  private modifier(name: string, first: number, start: number): string | null {
    const s = this.src;
    let op = first;
    let opText = String.fromCharCode(first);
    const nullIsUnset = op === COLON;
    if (nullIsUnset) {
      if (this.pos >= s.length) return this.fail("missing '}' to close '${'", start, s.length);
      op = s.charCodeAt(this.pos++);
      opText += String.fromCharCode(op);
    } else if (op !== 0x2b && op !== 0x2d && op !== 0x3f && op !== 0x23 && op !== 0x25) {
      return this.unsupported(opText, start);
    }
    const isPattern = op === 0x23 || op === 0x25;
    if (nullIsUnset && isPattern) return this.unsupported(opText, start);

    const word = this.scan(CLOSE_BRACE, isPattern, null);
    if (word === null) return this.error ? null : this.fail("missing '}' to close '${'", start, s.length);

    const value = this.lookup(name);
    if (value === undefined && this.options.skipUnset) return '${' + name + opText + word + '}';
    const unsetOrNull = value === undefined || (nullIsUnset && value === '');
    switch (op) {
      case 0x2d: // -
        return unsetOrNull ? word : value!;
      case 0x2b: // +
        return unsetOrNull ? '' : word;
      case 0x3f: // ?
        if (value === undefined) return this.fail(`${name}: ${word || 'is not allowed to be unset'}`, start, this.pos);
        if (nullIsUnset && value === '') {
          return this.fail(`${name}: ${word || 'is not allowed to be empty'}`, start, this.pos);
        }
        return value;
      case 0x23: // # and ##
      case 0x25: {
        // % and %%
        const longest = word.charCodeAt(0) === op;
        const pattern = longest ? word.slice(1) : word;
        const outcome =
          op === 0x23 ? trimPrefix(value ?? '', pattern, longest) : trimSuffix(value ?? '', pattern, longest);
        return this.patternResult(outcome, pattern, start);
      }
      default:
        return this.unsupported(opText, start);
    }
  }

  /** `${NAME/p/r}` and `${NAME//p/r}`. */
  private replacement(name: string, start: number): string | null {
    const s = this.src;
    const all = s.charCodeAt(this.pos) === SLASH;
    if (all) this.pos++;
    const pattern = this.scan(SLASH, true, null);
    if (pattern === null) {
      return this.error ? null : this.fail("missing '/' after the pattern in '${NAME/pattern/replacement}'", start, s.length);
    }
    const replacement = this.scan(CLOSE_BRACE, true, null);
    if (replacement === null) return this.error ? null : this.fail("missing '}' to close '${'", start, s.length);

    const value = this.lookup(name);
    if (value === undefined && this.options.skipUnset) {
      return '${' + name + (all ? '//' : '/') + pattern + '/' + replacement + '}';
    }
    return this.patternResult(replaceMatches(value ?? '', pattern, replacement, all), pattern, start);
  }

  private patternResult(outcome: PatternOutcome, pattern: string, start: number): string | null {
    if (outcome.ok) return outcome.value;
    return this.fail(`invalid pattern '${pattern}' in substitution: ${outcome.message}`, start, this.pos);
  }

  private unsupported(opText: string, start: number): null {
    return this.fail(
      `unsupported modifier '${opText}' in substitution: use one of :- - :+ + :? ? # ## % %% / //`,
      start,
      this.pos,
    );
  }
}
