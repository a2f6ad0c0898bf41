// A recursive-descent parser for POSIX sh and the bash people write in RUN lines. It reads
// characters directly (shell tokens depend on where they stand, so there is no separate token
// stream) and gives what lint keeps of a script (script.ts): each simple command's words as its
// end is reached, no tree. What it accepts and rejects follows mvdan/sh (the reference lint used
// before; test/shell-differential checks the two agree).
import type { RawPart, RawScript, RawWord } from './script.js';

/** Parses a script; null when it is not valid shell (an unclosed quote, `if` without `fi`, a stray `)`…). */
export function parseScript(text: string): RawScript | null {
  const script: RawScript = { commands: [], hasPipe: false };
  try {
    new Parser(text, script, 0).script();
    return { commands: script.commands.slice(), hasPipe: script.hasPipe };
  } catch (err) {
    // RangeError: nesting deeper than the stack; still "not a script we can read".
    if (err instanceof SyntaxFailure || err instanceof RangeError) return null;
    throw err;
  }
}

/** Why a script was rejected (kept for debugging; callers only see null). */
class SyntaxFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/**
 * What the parser reads past the end of the text. Not NaN (what charCodeAt gives there): a NaN
 * among the characters makes the optimizer treat every character as a float, about twice as slow.
 */
const EOF = -1;

/** The character at `j`; EOF past the end. */
function codeAt(s: string, j: number): number {
  return j < s.length ? s.charCodeAt(j) : EOF;
}

const TAB = 9;
const NL = 10;
/** A carriage return separates words, as in mvdan/sh (CRLF heredoc bodies read like LF ones). */
const CR = 13;
const SPACE = 32;
const BANG = 33;
const DQUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const AMP = 38;
const SQUOTE = 39;
const LPAREN = 40;
const RPAREN = 41;
const STAR = 42;
const PLUS = 43;
const MINUS = 45;
const SLASH = 47;
const COLON = 58;
const SEMI = 59;
const LT = 60;
const EQ = 61;
const GT = 62;
const QUESTION = 63;
const AT = 64;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const BACKQUOTE = 96;
const LBRACE = 123;
const PIPE = 124;
const RBRACE = 125;

/** Words that close a list: they end the statements of the construct that expects them. */
const TERMINATORS = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', 'esac', '}']);
const RESERVED = new Set([...TERMINATORS, 'if', 'while', 'until', 'for', 'select', 'case', 'function', 'time', 'coproc', '{', '[[', ']]']);
const DECLARATIONS = new Set(['declare', 'local', 'export', 'readonly', 'typeset', 'nameref', 'let']);
/** Reserved words and declarations by length, so that a word is compared without being cut out of the text. */
const RESERVED_BY_LENGTH: string[][] = [];
for (const word of [...RESERVED, ...DECLARATIONS]) {
  while (RESERVED_BY_LENGTH.length <= word.length) RESERVED_BY_LENGTH.push([]);
  RESERVED_BY_LENGTH[word.length]!.push(word);
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/** Characters that end an unquoted word, and the end of the text. */
function isDelimiter(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === NL || c === SEMI || c === AMP || c === PIPE || c === LT || c === GT || c === LPAREN || c === RPAREN || c === EOF;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return c >= 0 && c < 128 && NAME_CHAR[c] === 1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `$@ $* $# $? $- $$ $!` (digits are positional parameters). */
function isSpecialParam(c: number): boolean {
  return c === AT || c === STAR || c === HASH || c === QUESTION || c === MINUS || c === DOLLAR || c === BANG;
}

/** Letters, digits and `_`, by code (below 128). */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) NAME_CHAR[c] = isNameStart(c) || isDigit(c) ? 1 : 0;

/** Characters that are text wherever they stand in an unquoted word, by code (below 128). */
const PLAIN_IN_WORD = new Uint8Array(128);
/** The same inside `${…}`, where blanks and operators are text too, and `}` and `/` may end a word. */
const PLAIN_IN_BRACES = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const special = c === BACKSLASH || c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE;
  PLAIN_IN_WORD[c] = special || isDelimiter(c) ? 0 : 1;
  PLAIN_IN_BRACES[c] = special || c === RBRACE || c === SLASH ? 0 : 1;
}

/** Where the characters from `i` that `plain` (PLAIN_IN_WORD or PLAIN_IN_BRACES) marks as text end. */
function plainEnd(s: string, i: number, plain: Uint8Array): number {
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && plain[c] === 0) return i;
  }
  return n;
}

/** Characters of an arithmetic operand (a number, a name, `16#ff`): anything but operators, blanks and brackets. */
const ARITH_OPERAND = new Uint8Array(128);
for (let c = 33; c < 127; c++) ARITH_OPERAND[c] = '+-*/%<>=!&|^~?:,()[];$\'"`'.includes(String.fromCharCode(c)) ? 0 : 1;

/** Opaque parts are all alike: one object serves. */
const OPAQUE: RawPart = { opaque: true };

/** Adds a part after the literal text pending before it; returns the text pending after it (none). */
function addPart(parts: RawPart[], lit: string, part: RawPart): string {
  if (lit !== '') parts.push({ lit });
  parts.push(part);
  return '';
}

interface PendingHeredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/** Arithmetic operators, longest first so that `<<=` is not read as `<`. */
const ARITH_BINARY = ['**', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*', '/', '%', '+', '-', '<', '>', '&', '^', '|'];
const ARITH_ASSIGN = ['<<=', '>>=', '*=', '/=', '%=', '+=', '-=', '&=', '^=', '|=', '='];
const ARITH_PRECEDENCE: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10, '**': 11,
};
const TEST_UNARY = new Set(['-a', '-b', '-c', '-d', '-e', '-f', '-g', '-h', '-k', '-p', '-r', '-s', '-t', '-u', '-w', '-x', '-G', '-L', '-N', '-O', '-S', '-z', '-n', '-o', '-v', '-R']);
const TEST_BINARY = new Set(['=', '==', '!=', '=~', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef']);

class Parser {
  private i = 0;
  private heredocs: PendingHeredoc[] = [];
  /** Inside the offset or length of `${a:1:2}`, where `}` ends the arithmetic. */
  private inSlice = false;
  /** In the lists of an `if`, where `else` closes the list (list() says). */
  private elseEnds = false;
  /** The last peekReserved: where, and what it found. */
  private peekedAt = -1;
  private peeked: string | undefined;

  constructor(
    private readonly s: string,
    /** Where the commands read go. */
    private readonly out: RawScript,
    /**
     * Above zero in text whose commands are not read (script.ts says which: extended-glob patterns
     * and here-document delimiters, where nothing runs): there the words are parsed to accept or
     * reject the script, and the commands and pipes dropped.
     */
    private hidden: number,
  ) {}

  private fail(message: string): never {
    throw new SyntaxFailure(message, this.i);
  }

  private at(offset = 0): number {
    return codeAt(this.s, this.i + offset);
  }

  private get atEnd(): boolean {
    return this.i >= this.s.length;
  }

  script(): void {
    this.list();
    if (!this.atEnd) this.fail(`unexpected ${this.s[this.i]}`);
    if (this.heredocs.length > 0) this.fail('unclosed here-document');
  }

  // ---- blanks, comments, newlines

  /** Past spaces, tabs and line continuations; returns the character after them. */
  private skipBlanks(): number {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = codeAt(s, i);
      if (c === SPACE || c === TAB || c === CR) i++;
      else if (c === BACKSLASH && codeAt(s, i + 1) === NL) i += 2;
      else if (c === BACKSLASH && codeAt(s, i + 1) === CR && codeAt(s, i + 2) === NL) i += 3;
      else {
        this.i = i;
        return c;
      }
    }
  }

  /** Past blanks and a comment, up to (not past) the end of the line; returns the character there. */
  private skipBlanksAndComment(): number {
    const c = this.skipBlanks();
    if (c !== HASH) return c;
    const nl = this.s.indexOf('\n', this.i);
    this.i = nl < 0 ? this.s.length : nl;
    return codeAt(this.s, this.i);
  }

  /** Past blanks, comments and newlines (reading here-document bodies at each newline); returns the character after them. */
  private skipLines(): number {
    for (;;) {
      const c = this.skipBlanksAndComment();
      if (c !== NL) return c;
      this.newline();
    }
  }

  /** Consumes a newline; the bodies of here-documents opened on that line follow it. */
  private newline(): void {
    this.i++;
    if (this.heredocs.length === 0) return;
    const pending = this.heredocs;
    this.heredocs = [];
    for (const h of pending) this.heredocBody(h);
  }

  private heredocBody(h: PendingHeredoc): void {
    const s = this.s;
    const start = this.i;
    let line = start;
    let body: string;
    for (;;) {
      if (line >= s.length) this.fail(`unclosed here-document '${h.delimiter}'`);
      let nl = s.indexOf('\n', line);
      if (nl < 0) nl = s.length;
      let from = line;
      if (h.stripTabs) while (codeAt(s, from) === TAB) from++;
      if (nl - from === h.delimiter.length && s.startsWith(h.delimiter, from)) {
        body = s.slice(start, line);
        this.i = nl < s.length ? nl + 1 : nl;
        break;
      }
      line = nl + 1;
    }
    // An unquoted delimiter leaves $… and `…` live in the body: they must be well formed, and the
    // commands of its substitutions run (the body's text is data).
    if (!h.quoted && body) new Parser(body, this.out, this.hidden).heredocContent();
  }

  private heredocContent(): void {
    const dropped: RawPart[] = [];
    while (!this.atEnd) {
      const c = this.at();
      if (c === BACKSLASH) this.i += 2;
      else if (c === DOLLAR) this.dollar(true, dropped, '');
      else if (c === BACKQUOTE) this.backquote(dropped, '');
      else this.i++;
    }
  }

  /** The reserved word at the cursor, if one stands there as a whole word. */
  private peekReserved(): string | undefined {
    const s = this.s;
    const i = this.i;
    // A statement's start is looked at twice or more (by the list, then the command).
    if (i === this.peekedAt) return this.peeked;
    let j = i;
    for (;;) {
      const c = codeAt(s, j);
      if ((c >= 97 && c <= 122) || c === LBRACE || c === RBRACE || c === LBRACKET || c === RBRACKET) j++;
      else break;
    }
    let found: string | undefined;
    // A word goes on into `<(…)` and `>(…)`: `}<(a)` is not `}`.
    const end = codeAt(s, j);
    if (j - i < RESERVED_BY_LENGTH.length && isDelimiter(end) && !((end === LT || end === GT) && codeAt(s, j + 1) === LPAREN)) {
      const first = codeAt(s, i);
      for (const word of RESERVED_BY_LENGTH[j - i]!) {
        if (word.charCodeAt(0) === first && s.startsWith(word, i)) {
          found = word;
          break;
        }
      }
    }
    this.peekedAt = i;
    this.peeked = found;
    return found;
  }

  private expectReserved(word: string, context: string): void {
    this.skipLines();
    if (this.peekReserved() !== word) this.fail(`${context} must end with "${word}"`);
    this.i += word.length;
  }

  // ---- statements

  /**
   * Statements up to the end, a `)`, `;;`-like case separators, or a word that closes a construct.
   * `else` closes only the lists of an `if` (elsewhere mvdan/sh reads it as a command name).
   */
  private list(elseEnds = false): number {
    const outer = this.elseEnds;
    this.elseEnds = elseEnds;
    const count = this.statements(elseEnds);
    this.elseEnds = outer;
    return count;
  }

  private statements(elseEnds: boolean): number {
    const s = this.s;
    let count = 0;
    for (;;) {
      const c = this.skipLines();
      if (c === EOF || c === RPAREN) return count;
      if (c === SEMI) {
        const n = codeAt(s, this.i + 1);
        if (n === SEMI || n === AMP) return count;
        this.fail('; can only immediately follow a statement');
      }
      if (c === AMP && codeAt(s, this.i + 1) !== GT) this.fail('& can only immediately follow a statement');
      if (c === PIPE) this.fail('| must follow a statement');
      const reserved = this.peekReserved();
      if (reserved !== undefined && TERMINATORS.has(reserved) && (reserved !== 'else' || elseEnds)) return count;
      this.andOr();
      count++;
      const sep = this.skipBlanksAndComment();
      if (sep === SEMI) {
        const n = codeAt(s, this.i + 1);
        if (n === SEMI || n === AMP) return count;
        this.i++;
      } else if (sep === AMP) {
        this.i++;
      } else if (sep === NL) {
        this.newline();
      } else if (sep === RPAREN || sep === EOF) {
        return count;
      } else {
        const next = this.peekReserved();
        if (next === undefined || !TERMINATORS.has(next) || (next === 'else' && !elseEnds)) this.fail('statements must be separated by &, ; or a newline');
      }
    }
  }

  private andOr(): void {
    this.pipeline();
    for (;;) {
      const c = this.skipBlanks();
      const n = codeAt(this.s, this.i + 1);
      let op: '&&' | '||';
      if (c === AMP && n === AMP) op = '&&';
      else if (c === PIPE && n === PIPE) op = '||';
      else return;
      this.i += 2;
      this.skipLines();
      this.pipeline(op);
    }
  }

  private pipeline(after?: string): void {
    const s = this.s;
    let negated = false;
    if (this.skipBlanks() === BANG && isDelimiter(codeAt(s, this.i + 1))) {
      negated = true;
      this.i++;
      if (this.skipBlanks() === BANG && isDelimiter(codeAt(s, this.i + 1))) this.fail('cannot negate a command multiple times');
    }
    if (!this.command()) this.fail(negated ? '"!" cannot form a statement alone' : `${after ?? 'a statement'} must be followed by a statement`);
    for (;;) {
      if (this.skipBlanks() !== PIPE || codeAt(s, this.i + 1) === PIPE) break;
      const op = codeAt(s, this.i + 1) === AMP ? '|&' : '|';
      this.i += op.length;
      this.skipLines();
      if (this.at() === BANG && isDelimiter(this.at(1))) this.fail('"!" can only be used in full statements');
      if (!this.command()) this.fail(`${op} must be followed by a statement`);
      if (this.hidden === 0) this.out.hasPipe = true;
    }
  }

  /** One command with its redirections; false when none starts here. */
  private command(): boolean {
    const c = this.skipBlanks();
    if (c === EOF || c === NL || c === SEMI || c === PIPE || c === RPAREN || c === HASH || (c === AMP && codeAt(this.s, this.i + 1) !== GT)) return false;
    if (c === LPAREN) {
      if (codeAt(this.s, this.i + 1) === LPAREN) {
        this.i += 2;
        this.arithmetic('((');
      } else {
        this.i++;
        this.list();
        if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
        this.i++;
      }
      this.trailingRedirects();
      return true;
    }
    const reserved = this.peekReserved();
    if (reserved === undefined || reserved === 'else') {
      this.simpleCommand();
      return true;
    }
    if (reserved === ']]') this.fail('"]]" can only be used to close a test');
    if (TERMINATORS.has(reserved) && reserved !== '{') this.fail(`"${reserved}" cannot start a statement`);
    this.i += reserved.length;
    switch (reserved) {
      case '{':
        this.list();
        this.expectReserved('}', 'a block');
        break;
      case 'if':
        this.ifClause();
        break;
      case 'while':
      case 'until':
        this.nonEmptyList(reserved);
        this.expectReserved('do', reserved);
        this.nonEmptyList('do');
        this.expectReserved('done', reserved);
        break;
      case 'for':
      case 'select':
        this.forClause(reserved === 'select');
        break;
      case 'case':
        this.caseClause();
        break;
      case 'function':
        this.functionKeyword();
        return true;
      case 'time': {
        this.skipBlanks();
        if (this.s.startsWith('-p', this.i) && isDelimiter(this.at(2))) this.i += 2;
        this.skipBlanks();
        // Like mvdan/sh, a comment after `time` leads to the next line's command; an operator
        // starting that line has no statement before it, and a word that closes a list ends it.
        if (this.at() === HASH) {
          this.skipLines();
          const c = this.at();
          const n = this.at(1);
          if ((c === AMP && n !== GT) || c === PIPE || (c === SEMI && n !== SEMI && n !== AMP)) this.fail(`${String.fromCharCode(c)} cannot start a line after "time" and a comment`);
          const closing = this.peekReserved();
          if (closing !== undefined && TERMINATORS.has(closing) && (closing !== 'else' || this.elseEnds)) return true;
          // There a negated pipeline may follow.
          if (c === BANG) {
            this.pipeline('time');
            return true;
          }
        }
        if (this.at() === BANG && isDelimiter(this.at(1))) this.fail('"time" cannot time a negated command');
        const next = this.at();
        if (!(next === EOF || next === NL || next === SEMI || next === AMP || next === RPAREN || next === PIPE)) this.pipeline('time');
        return true;
      }
      case 'coproc':
        this.skipBlanks();
        this.coprocName();
        if (!this.command()) this.fail('coproc must be followed by a command');
        return true;
      case '[[':
        this.testOr();
        this.skipLines();
        if (!(this.s.startsWith(']]', this.i) && isDelimiter(this.at(2)))) this.fail('reached the end without matching [[ with ]]');
        this.i += 2;
        break;
      default:
        // declare, local, export, readonly, typeset, nameref, let
        this.declaration(reserved);
        return true;
    }
    this.trailingRedirects();
    return true;
  }

  /** Past the NAME of `coproc NAME { …; }`: a name counts only before a compound command. */
  private coprocName(): void {
    const start = this.i;
    while (isNameChar(this.at())) this.i++;
    if (this.i > start && isBlank(this.at())) {
      this.skipBlanks();
      const next = this.peekReserved();
      if (this.at() === LPAREN || next === '{' || next === 'if' || next === 'while' || next === 'until' || next === 'for' || next === 'select' || next === 'case') return;
    }
    this.i = start;
  }

  private nonEmptyList(after: string, elseEnds = false): void {
    if (this.list(elseEnds) === 0) this.fail(`"${after}" must be followed by a statement list`);
  }

  private ifClause(): void {
    this.nonEmptyList('if', true);
    this.expectReserved('then', 'if');
    this.nonEmptyList('then', true);
    this.skipLines();
    const next = this.peekReserved();
    if (next === 'elif') {
      this.i += 4;
      this.ifClause();
      return;
    }
    if (next === 'else') {
      this.i += 4;
      this.nonEmptyList('else');
    }
    this.expectReserved('fi', 'if');
  }

  private forClause(select: boolean): void {
    this.skipBlanks();
    if (!select && this.at() === LPAREN && this.at(1) === LPAREN) {
      this.i += 2;
      this.arithmetic('for');
    } else {
      const start = this.i;
      while (!isDelimiter(this.at())) this.i++;
      if (this.i === start) this.fail('for must be followed by a name');
      this.skipLines();
      if (this.peekReserved() === undefined && this.s.startsWith('in', this.i) && isDelimiter(this.at(2))) {
        this.i += 2;
        for (;;) {
          this.skipBlanks();
          const c = this.at();
          if (c === SEMI || c === NL || c === EOF || c === HASH) break;
          if (!this.atWord()) this.fail('for words must be separated by ; or a newline');
          this.word();
        }
      }
    }
    this.skipBlanksAndComment();
    if (this.at() === SEMI) this.i++;
    this.skipLines();
    const open = this.peekReserved();
    if (open === 'do') {
      this.i += 2;
      this.nonEmptyList('do');
      this.expectReserved('done', 'for');
    } else if (open === '{') {
      this.i++;
      this.list();
      this.expectReserved('}', 'for');
    } else {
      this.fail('for must be followed by "do"');
    }
  }

  private caseClause(): void {
    this.skipBlanks();
    if (!this.atWord()) this.fail('case must be followed by a word');
    this.word();
    this.skipLines();
    if (!(this.s.startsWith('in', this.i) && isDelimiter(this.at(2)))) this.fail('case x must be followed by in');
    this.i += 2;
    for (;;) {
      this.skipLines();
      if (this.peekReserved() === 'esac') {
        this.i += 4;
        break;
      }
      if (this.atEnd) this.fail('case must end with esac');
      if (this.at() === LPAREN) {
        this.i++;
        this.skipBlanks();
      }
      for (;;) {
        this.skipBlanks();
        if (!this.atWord()) this.fail('case patterns must be words');
        this.word();
        this.skipBlanks();
        const c = this.at();
        if (c === PIPE) this.i++;
        else if (c === RPAREN) {
          this.i++;
          break;
        } else this.fail('case patterns must be separated with |');
      }
      this.list();
      if (this.s.startsWith(';;&', this.i)) this.i += 3;
      else if (this.s.startsWith(';;', this.i) || this.s.startsWith(';&', this.i)) this.i += 2;
      else {
        this.skipLines();
        if (this.peekReserved() !== 'esac') this.fail('case items must end with ;; or esac');
      }
    }
  }

  private functionKeyword(): void {
    this.skipBlanks();
    const start = this.i;
    while (!isDelimiter(this.at()) && this.at() !== DOLLAR && this.at() !== DQUOTE && this.at() !== SQUOTE) this.i++;
    const name = this.s.slice(start, this.i);
    if (name === '' || name.startsWith('#') || !isDelimiter(this.at())) this.fail('"function" must be followed by a name');
    this.skipBlanks();
    if (this.at() === LPAREN) {
      this.i++;
      this.skipBlanks();
      if (this.at() !== RPAREN) this.fail('function name must be followed by ()');
      this.i++;
    }
    this.functionBody(name);
  }

  private functionBody(name: string): void {
    this.skipLines();
    this.pipeline(`${name}()`);
  }

  /** `export a=1 b` and the like: checked; not a command read, but the commands of its substitutions are. */
  private declaration(variant: string): void {
    let words = 0;
    let redirects = 0;
    let afterValue = false;
    for (;;) {
      this.skipBlanks();
      const c = this.at();
      if (c === EOF || c === NL || c === SEMI || c === PIPE || c === RPAREN || c === HASH) break;
      if (c === AMP && this.at(1) !== GT) break;
      if (this.redirect()) {
        redirects++;
        continue;
      }
      // mvdan/sh takes no more words after a redirection of a declaration.
      if (c === LPAREN || redirects > 0) this.fail('statements must be separated by &, ; or a newline');
      // `let <(a)`: an arithmetic expression does not start with a process substitution.
      if (variant === 'let' && (c === LT || c === GT)) this.fail('"let" must be followed by an expression');
      // mvdan/sh wants the word after `a=1` (not after `a` or `a=(1)`) to start unquoted and unexpanded.
      if (afterValue && (c === DOLLAR || c === DQUOTE || c === SQUOTE || c === BACKQUOTE)) this.fail('invalid variable name');
      words++;
      if (variant !== 'let' && this.atAssignment()) afterValue = this.assignment() !== 'array';
      else if (variant !== 'let' && this.atBadAssignment()) this.fail('invalid variable name');
      else {
        afterValue = false;
        this.word();
      }
    }
    if (variant === 'let' && words === 0) this.fail('"let" must be followed by an expression');
  }

  /** A command's words, its assignments and redirections; the words are read. */
  private simpleCommand(): void {
    const s = this.s;
    let assigns = 0;
    let redirects = 0;
    const args: RawWord[] = [];
    let arrays = false;
    let nameStart = this.i;
    for (;;) {
      const c = this.skipBlanks();
      if (c === EOF || c === NL || c === SEMI || c === PIPE || c === RPAREN || c === HASH) break;
      if (c === AMP && codeAt(s, this.i + 1) !== GT) break;
      if ((c === LT || c === GT || c === AMP || isDigit(c)) && this.redirect()) {
        redirects++;
        continue;
      }
      if (c === LPAREN) {
        if (args.length === 1 && assigns === 0 && redirects === 0) {
          const name = s.slice(nameStart, this.i).trimEnd();
          // A name with an extended glob (an opaque part) is not a name: mvdan/sh rejects it.
          if (isFunctionName(name) && typeof args[0] === 'string') {
            this.i++;
            this.skipBlanks();
            if (this.at() !== RPAREN) this.fail('function name must be followed by ()');
            this.i++;
            this.functionBody(name);
            return;
          }
        }
        this.fail('a command can only contain words and redirects; encountered (');
      }
      if (args.length === 0) {
        const nameEnd = this.nameEnd();
        if (this.atAssignment(nameEnd)) {
          if (this.assignment() !== 'scalar') arrays = true;
          assigns++;
          continue;
        }
        nameStart = this.i;
        // `name[` first in a command is an array element assignment or nothing (as in mvdan/sh).
        if (nameEnd > this.i && codeAt(s, nameEnd) === LBRACKET) this.fail('[ must follow a name in an assignment');
      }
      args.push(this.word());
    }
    if (arrays && args.length > 0) this.fail('inline variables cannot be arrays');
    // A copy of the exact size: parsed scripts are kept (shell.ts), and args has grown in steps.
    if ((assigns > 0 || args.length > 0) && this.hidden === 0) this.out.commands.push(args.slice());
  }

  private trailingRedirects(): void {
    for (;;) {
      this.skipBlanks();
      if (!this.redirect()) return;
    }
  }

  /** Past a redirection at the cursor (its word is not read); false when none starts here. */
  private redirect(): boolean {
    const s = this.s;
    let j = this.i;
    while (isDigit(codeAt(s, j))) j++;
    const c = codeAt(s, j);
    let op: string;
    if (c === LT) {
      const n = codeAt(s, j + 1);
      if (n === LPAREN) return false;
      if (n === LT) op = codeAt(s, j + 2) === LT ? '<<<' : codeAt(s, j + 2) === MINUS ? '<<-' : '<<';
      else if (n === GT) op = '<>';
      else if (n === AMP) op = '<&';
      else op = '<';
    } else if (c === GT) {
      const n = codeAt(s, j + 1);
      if (n === LPAREN) return false;
      op = n === GT ? '>>' : n === PIPE ? '>|' : n === AMP ? '>&' : '>';
    } else if (c === AMP && j === this.i && codeAt(s, j + 1) === GT) {
      op = codeAt(s, j + 2) === GT ? '&>>' : '&>';
    } else {
      return false;
    }
    this.i = j + op.length;
    this.skipBlanks();
    const t = this.at();
    const substitution = (t === LT || t === GT) && this.at(1) === LPAREN;
    if ((isDelimiter(t) && !substitution) || t === HASH || this.atRedirectWithFd()) this.fail(`${op} must be followed by a word`);
    const start = this.i;
    if (op === '<<' || op === '<<-') {
      // A here-document's delimiter is not expanded: nothing in it runs.
      this.hidden++;
      this.word();
      this.hidden--;
      const raw = s.slice(start, this.i);
      let quoted = false;
      let delimiter = '';
      for (let k = 0; k < raw.length; k++) {
        const ch = raw[k]!;
        if (ch === '"' || ch === "'") quoted = true;
        else if (ch === '\\') {
          quoted = true;
          if (k + 1 < raw.length) delimiter += raw[++k];
        } else delimiter += ch;
      }
      this.heredocs.push({ delimiter, quoted, stripTabs: op === '<<-' });
    } else this.word();
    return true;
  }

  /** Where the NAME at the cursor ends; the cursor when none starts there. */
  private nameEnd(): number {
    const s = this.s;
    let j = this.i;
    if (!isNameStart(codeAt(s, j))) return j;
    do j++;
    while (isNameChar(codeAt(s, j)));
    return j;
  }

  /** `2>`, `10<`…: a file descriptor number that starts a redirection, not a word. */
  private atRedirectWithFd(): boolean {
    let j = this.i;
    while (isDigit(codeAt(this.s, j))) j++;
    const c = codeAt(this.s, j);
    return j > this.i && (c === LT || c === GT);
  }

  /** Unquoted text up to an `=` that is not a name (`a-b=c`, `-f=x`): a declaration rejects it. */
  private atBadAssignment(): boolean {
    const s = this.s;
    for (let j = this.i; ; j++) {
      const c = codeAt(s, j);
      if (c === EQ) return j > this.i;
      if (c === BACKSLASH) j++;
      else if (isDelimiter(c) || c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE) return false;
    }
  }

  /** `NAME=`, `NAME+=` or `NAME[…]=` at the cursor (its NAME ends at `nameEnd`). */
  private atAssignment(nameEnd = this.nameEnd()): boolean {
    const s = this.s;
    let j = nameEnd;
    if (j === this.i) return false;
    if (codeAt(s, j) === LBRACKET) {
      const close = s.indexOf(']', j);
      if (close < 0) return false;
      j = close + 1;
    }
    if (codeAt(s, j) === PLUS) j++;
    return codeAt(s, j) === EQ;
  }

  /**
   * Past the assignment at the cursor (its words are not a command; the commands of their
   * substitutions are read): `a=1`, `a[i]=1` (indexed) or `a=(1 2)` (array).
   */
  private assignment(): 'scalar' | 'indexed' | 'array' {
    while (isNameChar(this.at())) this.i++;
    let kind: 'scalar' | 'indexed' | 'array' = 'scalar';
    if (this.at() === LBRACKET) {
      this.i++;
      this.arithmeticIndex();
      kind = 'indexed';
    }
    if (this.at() === PLUS) this.i++;
    this.i++; // =
    if (this.at() === LPAREN) {
      this.i++;
      for (;;) {
        this.skipLines();
        const c = this.at();
        if (c === RPAREN) {
          this.i++;
          break;
        }
        if (c === EOF) this.fail('reached the end without matching ( with )');
        if (!this.atWord()) this.fail('array elements must be words');
        this.word();
      }
      kind = 'array';
    } else if (this.atWord()) this.word();
    return kind;
  }

  // ---- words

  /** A word starts at the cursor: not a blank or an operator, unless `<(…)` or `>(…)`. */
  private atWord(): boolean {
    const c = this.at();
    return !isDelimiter(c) || ((c === LT || c === GT) && this.at(1) === LPAREN);
  }

  /** An unquoted word; the caller has checked that one starts at the cursor. */
  private word(): RawWord {
    // Most words are plain text up to a blank or an operator: one part, no more to look at.
    const s = this.s;
    const start = this.i;
    const i = plainEnd(s, start, PLAIN_IN_WORD);
    const c = codeAt(s, i);
    if (i > start && c !== LPAREN && !((c === LT || c === GT) && codeAt(s, i + 1) === LPAREN) && isDelimiter(c)) {
      this.i = i;
      return s.slice(start, i);
    }
    const parts: RawPart[] = [];
    this.wordParts(0, parts);
    if (parts.length === 0) return '';
    const first = parts[0]!;
    return parts.length === 1 && 'lit' in first ? first.lit : parts;
  }

  /**
   * Adds the parts of a word up to an unquoted delimiter. Inside `${…}` (stop is `}` or `/`),
   * blanks and operators are part of the word and only the stop character ends it.
   */
  private wordParts(stop: number, parts: RawPart[]): void {
    const s = this.s;
    const plain = stop === 0 ? PLAIN_IN_WORD : PLAIN_IN_BRACES;
    let lit = '';
    let start = this.i;
    for (;;) {
      // Most of a word is plain text: skip it in one tight loop.
      const i = plainEnd(s, this.i, plain);
      const c = codeAt(s, i);
      this.i = i;
      if (stop === 0) {
        if (c === LPAREN) {
          // `@(…)` and its kind: an extended glob, when the character before is unquoted.
          const prev = i > start ? s.charCodeAt(i - 1) : EOF;
          // `@()` is no glob (as in mvdan/sh): the word ends before its `(`, which `a@() {…}` may follow.
          if ((prev === AT || prev === BANG || prev === STAR || prev === PLUS || prev === QUESTION) && codeAt(s, i + 1) !== RPAREN) {
            lit = addPart(parts, lit + s.slice(start, i - 1), OPAQUE);
            this.hidden++;
            this.skipParens();
            this.hidden--;
            start = this.i;
            continue;
          }
          break;
        }
        if ((c === LT || c === GT) && codeAt(s, i + 1) === LPAREN) {
          // <(…), >(…)
          lit = addPart(parts, lit + s.slice(start, i), OPAQUE);
          this.i += 2;
          this.list();
          if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
          this.i++;
          start = this.i;
          continue;
        }
        if (isDelimiter(c)) break;
      } else if (c === stop || c === RBRACE) {
        break;
      } else if (c === EOF) {
        this.fail('reached the end without matching ${ with }');
      } else if (c === SLASH) {
        this.i++;
        continue;
      }
      if (c === BACKSLASH) {
        lit += s.slice(start, i);
        const n = codeAt(s, i + 1);
        if (n === NL) this.i += 2;
        else if (n === CR && codeAt(s, i + 2) === NL) this.i += 3;
        else if (n === EOF) {
          lit += '\\';
          this.i++;
        } else {
          lit += s[i + 1];
          this.i += 2;
        }
        start = this.i;
      } else if (c === SQUOTE) {
        lit += s.slice(start, i);
        const close = s.indexOf("'", i + 1);
        if (close < 0) this.fail("reached the end without closing quote '");
        lit += s.slice(i + 1, close);
        this.i = close + 1;
        start = this.i;
      } else if (c === DQUOTE) {
        lit = this.doubleQuoted(parts, lit + s.slice(start, i));
        start = this.i;
      } else if (c === DOLLAR) {
        lit = this.dollar(false, parts, lit + s.slice(start, i));
        start = this.i;
      } else if (c === BACKQUOTE) {
        lit = this.backquote(parts, lit + s.slice(start, i));
        start = this.i;
      } else {
        // Inside ${…}: blanks and operators are text.
        this.i++;
      }
    }
    lit += s.slice(start, this.i);
    if (lit !== '') parts.push({ lit });
  }

  /**
   * `"…"` at the cursor: its parts are added to the word's (`lit` is the text pending before it);
   * returns the text pending after it. Literal text is unescaped as sh does inside double quotes.
   */
  private doubleQuoted(parts: RawPart[], lit: string): string {
    const s = this.s;
    this.i++;
    let start = this.i;
    for (;;) {
      const c = codeAt(s, this.i);
      if (c === DQUOTE) break;
      if (c === EOF) this.fail('reached the end without closing quote "');
      if (c === BACKSLASH) {
        const n = codeAt(s, this.i + 1);
        if (n === DOLLAR || n === BACKQUOTE || n === DQUOTE || n === BACKSLASH || n === NL) {
          lit += s.slice(start, this.i);
          if (n !== NL) lit += s[this.i + 1];
          this.i += 2;
          start = this.i;
        } else this.i++;
      } else if (c === DOLLAR) {
        lit = this.dollar(true, parts, lit + s.slice(start, this.i));
        start = this.i;
      } else if (c === BACKQUOTE) {
        lit = this.backquote(parts, lit + s.slice(start, this.i));
        start = this.i;
      } else this.i++;
    }
    lit += s.slice(start, this.i);
    this.i++;
    return lit;
  }

  /**
   * What starts with `$` at the cursor, added like doubleQuoted's parts: a literal `$` when nothing
   * does. `$'…'` counts as its text as written (escapes not decoded).
   */
  private dollar(quoted: boolean, parts: RawPart[], lit: string): string {
    const s = this.s;
    const n = codeAt(s, this.i + 1);
    if (n === LBRACE) return addPart(parts, lit, this.braceParam());
    if (n === LPAREN) {
      if (codeAt(s, this.i + 2) === LPAREN) {
        this.i += 3;
        this.arithmetic('$((');
        return addPart(parts, lit, OPAQUE);
      }
      this.i += 2;
      this.list();
      if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
      this.i++;
      return addPart(parts, lit, OPAQUE);
    }
    if (n === LBRACKET) {
      this.i += 2;
      this.arithmetic('$[');
      return addPart(parts, lit, OPAQUE);
    }
    if (!quoted && n === SQUOTE) {
      let j = this.i + 2;
      for (;;) {
        const c = codeAt(s, j);
        if (c === EOF) this.fail("reached the end without closing quote '");
        if (c === SQUOTE) break;
        j += c === BACKSLASH ? 2 : 1;
      }
      const value = s.slice(this.i + 2, j);
      this.i = j + 1;
      return lit + value;
    }
    if (!quoted && n === DQUOTE) {
      this.i++;
      return this.doubleQuoted(parts, lit);
    }
    if (isNameStart(n)) {
      let j = this.i + 2;
      while (isNameChar(codeAt(s, j))) j++;
      const name = s.slice(this.i + 1, j);
      this.i = j;
      return addPart(parts, lit, { param: name });
    }
    if (isDigit(n) || isSpecialParam(n)) {
      this.i += 2;
      return addPart(parts, lit, { param: s[this.i - 1]! });
    }
    this.i++;
    return lit + '$';
  }

  /** `${…}` at the cursor: `$NAME` when it is `${NAME}`, else opaque (the commands of its substitutions are read). */
  private braceParam(): RawPart {
    const s = this.s;
    this.i += 2;
    let plain = true;
    let c = this.at();
    if ((c === HASH || c === BANG) && this.at(1) !== RBRACE) {
      // ${#name} (length), ${!name} (indirection); ${#} and ${!} are the parameters themselves.
      plain = false;
      this.i++;
    }
    const name = this.paramName();
    if (name === '') this.fail('invalid parameter name');
    c = this.at();
    if (c === LBRACKET) {
      plain = false;
      this.i++;
      this.arithmeticIndex();
      c = this.at();
    }
    if (c !== RBRACE) {
      plain = false;
      const n = this.at(1);
      if (c === COLON && (n === MINUS || n === EQ || n === QUESTION || n === PLUS)) {
        this.i += 2;
        this.wordParts(RBRACE, []);
      } else if (c === COLON) {
        this.i++;
        this.sliceArithmetic();
        if (this.at() === COLON) {
          this.i++;
          this.sliceArithmetic();
        }
      } else if (c === MINUS || c === EQ || c === QUESTION || c === PLUS) {
        this.i++;
        this.wordParts(RBRACE, []);
      } else if (c === HASH || c === 37 /* % */ || c === 94 /* ^ */ || c === 44 /* , */) {
        this.i += n === c ? 2 : 1;
        this.wordParts(RBRACE, []);
      } else if (c === SLASH) {
        this.i += n === SLASH || n === HASH || n === 37 ? 2 : 1;
        this.wordParts(SLASH, []);
        if (this.at() === SLASH) {
          this.i++;
          this.wordParts(RBRACE, []);
        }
      } else if (c === AT && isNameStart(n)) {
        this.i += 2;
      } else if ((c === AT || c === STAR) && codeAt(s, this.i + 1) === RBRACE && !plain) {
        // ${!prefix*}, ${!prefix@}
        this.i++;
      } else {
        this.fail('not a valid parameter expansion operator');
      }
    }
    if (this.at() !== RBRACE) this.fail('reached the end without matching ${ with }');
    this.i++;
    return plain ? { param: name } : OPAQUE;
  }

  private paramName(): string {
    const s = this.s;
    const start = this.i;
    const c = this.at();
    if (isNameStart(c)) {
      while (isNameChar(this.at())) this.i++;
    } else if (isDigit(c)) {
      while (isDigit(this.at())) this.i++;
    } else if (isSpecialParam(c)) {
      this.i++;
    }
    return s.slice(start, this.i);
  }

  /**
   * `` `…` `` at the cursor, added like doubleQuoted's parts: its text, with `\$ \` \\` unescaped,
   * is a script of its own, whose commands are read where the backquotes' are.
   */
  private backquote(parts: RawPart[], lit: string): string {
    const s = this.s;
    let inner = '';
    let j = this.i + 1;
    let start = j;
    for (;;) {
      const c = codeAt(s, j);
      if (c === EOF) this.fail('reached the end without closing quote `');
      if (c === BACKQUOTE) break;
      if (c === BACKSLASH) {
        const n = codeAt(s, j + 1);
        if (n === BACKQUOTE || n === DOLLAR || n === BACKSLASH) {
          inner += s.slice(start, j);
          start = j + 1;
        }
        j += 2;
      } else j++;
    }
    inner += s.slice(start, j);
    this.i = j + 1;
    new Parser(inner, this.out, this.hidden).script();
    return addPart(parts, lit, OPAQUE);
  }

  /** Past the `(…)` at the cursor, minding nesting and quotes. */
  private skipParens(): void {
    const s = this.s;
    let depth = 0;
    for (;;) {
      const c = codeAt(s, this.i);
      if (c === EOF) this.fail('reached the end without matching ( with )');
      if (c === LPAREN) depth++;
      else if (c === RPAREN) {
        depth--;
        if (depth === 0) {
          this.i++;
          return;
        }
      } else if (c === BACKSLASH) this.i++;
      else if (c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE) {
        this.skipPiece(c);
        continue;
      }
      this.i++;
    }
  }

  /** Past a quoted string or a `$…`/`` `…` `` at the cursor, in text whose words are not read. */
  private skipPiece(c: number): void {
    if (c === SQUOTE) {
      const close = this.s.indexOf("'", this.i + 1);
      if (close < 0) this.fail("reached the end without closing quote '");
      this.i = close + 1;
    } else if (c === DQUOTE) this.doubleQuoted([], '');
    else if (c === DOLLAR) this.dollar(false, [], '');
    else this.backquote([], '');
  }

  // ---- arithmetic: checked for shape, not kept

  private arithmetic(opener: '((' | '$((' | '$[' | 'for'): void {
    if (opener === 'for') this.arithmeticFor();
    else this.arithmeticExpression(opener);
  }

  /** `for ((a; b; c))`, the cursor after `((`. */
  private arithmeticFor(): void {
    for (let k = 0; k < 3; k++) {
      this.skipArithSpace();
      const end = k < 2 ? SEMI : RPAREN;
      if (this.at() !== end) this.arithComma();
      this.skipArithSpace();
      if (this.at() !== end) this.fail('c-style for needs three expressions');
      this.i++;
    }
    if (this.at() !== RPAREN) this.fail('reached the end without matching (( with ))');
    this.i++;
  }

  private arithmeticExpression(opener: '((' | '$((' | '$['): void {
    this.skipArithSpace();
    const close = opener === '$[' ? RBRACKET : RPAREN;
    if (this.at() === close) this.fail(`${opener} must be followed by an expression`);
    this.arithComma();
    this.skipArithSpace();
    if (this.at() !== close) this.fail(`reached ${this.s[this.i] ?? 'the end'} without matching ${opener} with ${opener === '$[' ? ']' : '))'}`);
    this.i++;
    if (close === RPAREN) {
      if (this.at() !== RPAREN) this.fail(`reached ) without matching ${opener} with ))`);
      this.i++;
    }
  }

  /** The `[…]` of `a[…]`, the cursor after `[`. */
  private arithmeticIndex(): void {
    this.skipArithSpace();
    const c = this.at();
    if ((c === AT || c === STAR) && this.at(1) === RBRACKET) this.i++;
    else this.arithComma();
    this.skipArithSpace();
    if (this.at() !== RBRACKET) this.fail('reached the end without matching [ with ]');
    this.i++;
  }

  /** The offset or length of `${a:offset:length}`. */
  private sliceArithmetic(): void {
    this.skipArithSpace();
    const c = this.at();
    if (c === COLON || c === RBRACE) return;
    const outer = this.inSlice;
    this.inSlice = true;
    this.arithComma();
    this.inSlice = outer;
    this.skipArithSpace();
  }

  private skipArithSpace(): void {
    for (;;) {
      const c = this.at();
      if (c === SPACE || c === TAB || c === CR || c === NL) this.i++;
      else if (c === BACKSLASH && this.at(1) === NL) this.i += 2;
      else return;
    }
  }

  private arithComma(): void {
    this.arithAssign();
    for (;;) {
      this.skipArithSpace();
      if (this.at() !== 44) return;
      this.i++;
      this.arithAssign();
    }
  }

  private arithAssign(): void {
    this.arithTernary();
    this.skipArithSpace();
    for (const op of ARITH_ASSIGN) {
      if (this.s.startsWith(op, this.i) && !(op === '=' && this.at(1) === EQ)) {
        this.i += op.length;
        this.arithAssign();
        return;
      }
    }
  }

  private arithTernary(): void {
    this.arithBinary(1);
    this.skipArithSpace();
    if (this.at() !== QUESTION) return;
    this.i++;
    this.arithAssign();
    this.skipArithSpace();
    if (this.at() !== COLON) this.fail('ternary operator missing : after ?');
    this.i++;
    this.arithAssign();
  }

  private arithBinary(minPrecedence: number): void {
    this.arithUnary();
    for (;;) {
      this.skipArithSpace();
      const op = this.arithOperator();
      if (op === undefined) return;
      const precedence = ARITH_PRECEDENCE[op]!;
      if (precedence < minPrecedence) return;
      this.i += op.length;
      this.skipArithSpace();
      if (this.arithAtEnd()) this.fail(`${op} must be followed by an expression`);
      this.arithBinary(op === '**' ? precedence : precedence + 1);
    }
  }

  /** The binary operator at the cursor, unless it is part of an assignment operator. */
  private arithOperator(): string | undefined {
    const s = this.s;
    for (const op of ARITH_BINARY) {
      if (!s.startsWith(op, this.i)) continue;
      const after = codeAt(s, this.i + op.length);
      if (after === EQ && op !== '<=' && op !== '>=' && op !== '==' && op !== '!=' && op !== '&&' && op !== '||' && op !== '**') return undefined;
      return op;
    }
    return undefined;
  }

  private arithAtEnd(): boolean {
    const c = this.at();
    return c === EOF || c === RPAREN || c === RBRACKET || c === SEMI || c === COLON || c === RBRACE || c === 44;
  }

  private arithUnary(): void {
    this.skipArithSpace();
    const c = this.at();
    const n = this.at(1);
    if ((c === PLUS && n === PLUS) || (c === MINUS && n === MINUS)) {
      this.i += 2;
      this.arithUnary();
      return;
    }
    if (c === PLUS || c === MINUS || c === BANG || c === 126 /* ~ */) {
      this.i++;
      this.skipArithSpace();
      if (this.arithAtEnd()) this.fail(`${String.fromCharCode(c)} must be followed by an expression`);
      this.arithUnary();
      return;
    }
    this.arithOperand();
    this.skipArithSpace();
    const p = this.at();
    if ((p === PLUS && this.at(1) === PLUS) || (p === MINUS && this.at(1) === MINUS)) this.i += 2;
  }

  private arithOperand(): void {
    const c = this.at();
    if (c === LPAREN) {
      this.i++;
      this.arithComma();
      this.skipArithSpace();
      if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
      this.i++;
      return;
    }
    let any = false;
    for (;;) {
      const d = this.at();
      if (d >= 128 || (d >= 0 && ARITH_OPERAND[d] === 1 && !(d === RBRACE && this.inSlice) && !(d === HASH && !any))) {
        this.i++;
      } else if (d === DOLLAR || d === SQUOTE || d === DQUOTE || d === BACKQUOTE) {
        this.skipPiece(d);
      } else if (d === BACKSLASH && this.i + 1 < this.s.length) {
        this.i += 2;
      } else break;
      any = true;
    }
    if (!any) this.fail('arithmetic expression expected');
    if (this.at() === LBRACKET) {
      this.i++;
      this.arithmeticIndex();
    }
  }

  // ---- [[ … ]]: its shape is checked, its words not read

  private testOr(): void {
    this.testAnd();
    for (;;) {
      this.skipLines();
      if (!(this.at() === PIPE && this.at(1) === PIPE)) return;
      this.i += 2;
      this.testAnd();
    }
  }

  private testAnd(): void {
    this.testNot();
    for (;;) {
      this.skipLines();
      if (!(this.at() === AMP && this.at(1) === AMP)) return;
      this.i += 2;
      this.testNot();
    }
  }

  private testNot(): void {
    this.skipLines();
    if (this.at() === BANG && isDelimiter(this.at(1))) {
      this.i++;
      this.testNot();
      return;
    }
    this.testPrimary();
  }

  private testPrimary(): void {
    this.skipLines();
    const c = this.at();
    if (c === LPAREN) {
      this.i++;
      this.testOr();
      this.skipLines();
      if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
      this.i++;
      return;
    }
    if (this.s.startsWith(']]', this.i) && isDelimiter(this.at(2))) this.fail('[[ must be followed by an expression');
    const op = this.testOperatorWord();
    if (op !== undefined && TEST_UNARY.has(op)) {
      this.i += op.length;
      this.skipLines();
      this.testWord();
      return;
    }
    this.testWord();
    this.skipBlanks();
    const bin = this.testBinaryOperator();
    if (bin === undefined) return;
    this.i += bin.length;
    this.skipBlanks();
    if (bin === '=~') this.testRegex();
    else this.testWord();
  }

  /** The `-x`-like word at the cursor, if it is followed by a blank. */
  private testOperatorWord(): string | undefined {
    if (this.at() !== MINUS) return undefined;
    const s = this.s;
    let j = this.i + 1;
    while (isNameChar(codeAt(s, j))) j++;
    const c = codeAt(s, j);
    return isBlank(c) || c === NL ? s.slice(this.i, j) : undefined;
  }

  private testBinaryOperator(): string | undefined {
    const c = this.at();
    if (c === LT || c === GT) return String.fromCharCode(c);
    const s = this.s;
    let j = this.i;
    while (!isDelimiter(codeAt(s, j))) j++;
    const word = s.slice(this.i, j);
    return TEST_BINARY.has(word) ? word : undefined;
  }

  private testWord(): void {
    if (!this.atWord()) this.fail('[[ expects a word here');
    this.word();
  }

  /** The right side of `=~`: a regular expression where `(`, `)` and `|` are literal. */
  private testRegex(): void {
    let depth = 0;
    const start = this.i;
    for (;;) {
      const c = this.at();
      // `<(…)` outside the regular expression's own parentheses is a process substitution.
      if ((c === LT || c === GT) && this.at(1) === LPAREN && depth === 0) {
        this.i += 2;
        this.list();
        if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
        this.i++;
        continue;
      }
      if (c === EOF || c === NL || ((isBlank(c) || c === SEMI || c === AMP || c === PIPE || c === LT || c === GT) && depth === 0)) break;
      if (c === RPAREN && depth === 0) break;
      if (c === LPAREN) depth++;
      else if (c === RPAREN) depth--;
      if (c === BACKSLASH) this.i += 2;
      else if (c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE) this.skipPiece(c);
      else this.i++;
    }
    if (this.i === start) this.fail('=~ must be followed by a word');
  }
}

/** A name `name()` may define: written without quotes or expansions (a backslash-escaped character is text). */
function isFunctionName(name: string): boolean {
  if (name === '') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE || c === NL) return false;
  }
  return true;
}
