// A recursive-descent parser for POSIX sh and the bash people write in RUN lines. It reads
// characters directly (shell tokens depend on where they stand, so there is no separate token
// stream) and builds the tree in ast.ts. What it accepts and rejects follows mvdan/sh (the
// reference lint used before; test/shell-differential checks the two agree).
import type { Assign, CaseItem, Command, Redirect, Script, Stmt, Word, WordPart } from './ast.js';

/** Parses a script; null when it is not valid shell (an unclosed quote, `if` without `fi`, a stray `)`…). */
export function parseScript(text: string): Script | null {
  try {
    return new Parser(text).script();
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

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/** Characters that end an unquoted word (NaN is the end of the text). */
function isDelimiter(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === NL || c === SEMI || c === AMP || c === PIPE || c === LT || c === GT || c === LPAREN || c === RPAREN || c !== c;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || isDigit(c);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `$@ $* $# $? $- $$ $!` (digits are positional parameters). */
function isSpecialParam(c: number): boolean {
  return c === AT || c === STAR || c === HASH || c === QUESTION || c === MINUS || c === DOLLAR || c === BANG;
}

/** Characters that are text wherever they stand in an unquoted word, by code (below 128). */
const PLAIN_IN_WORD = new Uint8Array(128);
/** The same inside `${…}`, where blanks and operators are text too, and `}` and `/` may end a word. */
const PLAIN_IN_BRACES = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const special = c === BACKSLASH || c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE;
  PLAIN_IN_WORD[c] = special || isDelimiter(c) ? 0 : 1;
  PLAIN_IN_BRACES[c] = special || c === RBRACE || c === SLASH ? 0 : 1;
}

/** Characters of an arithmetic operand (a number, a name, `16#ff`): anything but operators, blanks and brackets. */
const ARITH_OPERAND = new Uint8Array(128);
for (let c = 33; c < 127; c++) ARITH_OPERAND[c] = '+-*/%<>=!&|^~?:,()[];$\'"`'.includes(String.fromCharCode(c)) ? 0 : 1;

interface PendingHeredoc {
  redirect: Redirect;
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

  constructor(private readonly s: string) {}

  private fail(message: string): never {
    throw new SyntaxFailure(message, this.i);
  }

  private at(offset = 0): number {
    return this.s.charCodeAt(this.i + offset);
  }

  private get atEnd(): boolean {
    return this.i >= this.s.length;
  }

  script(): Script {
    const stmts = this.list();
    if (!this.atEnd) this.fail(`unexpected ${this.s[this.i]}`);
    if (this.heredocs.length > 0) this.fail('unclosed here-document');
    return { stmts };
  }

  // ---- blanks, comments, newlines

  /** Spaces, tabs and line continuations. */
  private skipBlanks(): void {
    for (;;) {
      const c = this.at();
      if (c === SPACE || c === TAB || c === CR) this.i++;
      else if (c === BACKSLASH && this.at(1) === NL) this.i += 2;
      else if (c === BACKSLASH && this.at(1) === CR && this.at(2) === NL) this.i += 3;
      else return;
    }
  }

  /** Blanks and a comment, up to (not past) the end of the line. */
  private skipBlanksAndComment(): void {
    this.skipBlanks();
    if (this.at() === HASH) {
      const nl = this.s.indexOf('\n', this.i);
      this.i = nl < 0 ? this.s.length : nl;
    }
  }

  /** Blanks, comments and newlines (reading here-document bodies at each newline). */
  private skipLines(): void {
    for (;;) {
      this.skipBlanksAndComment();
      if (this.at() !== NL) return;
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
    for (;;) {
      if (line >= s.length) this.fail(`unclosed here-document '${h.delimiter}'`);
      let nl = s.indexOf('\n', line);
      if (nl < 0) nl = s.length;
      let from = line;
      if (h.stripTabs) while (s.charCodeAt(from) === TAB) from++;
      if (nl - from === h.delimiter.length && s.startsWith(h.delimiter, from)) {
        h.redirect.heredoc = s.slice(start, line);
        this.i = nl < s.length ? nl + 1 : nl;
        break;
      }
      line = nl + 1;
    }
    // An unquoted delimiter leaves $… and `…` live in the body: they must be well formed.
    if (!h.quoted && h.redirect.heredoc) new Parser(h.redirect.heredoc).heredocContent();
  }

  private heredocContent(): void {
    while (!this.atEnd) {
      const c = this.at();
      if (c === BACKSLASH) this.i += 2;
      else if (c === DOLLAR) this.dollar(true);
      else if (c === BACKQUOTE) this.backquote();
      else this.i++;
    }
  }

  /** The reserved word at the cursor, if one stands there as a whole word. */
  private peekReserved(): string | undefined {
    const s = this.s;
    let j = this.i;
    for (;;) {
      const c = s.charCodeAt(j);
      if ((c >= 97 && c <= 122) || c === LBRACE || c === RBRACE || c === LBRACKET || c === RBRACKET) j++;
      else break;
    }
    if (j === this.i || j - this.i > 8 || !isDelimiter(s.charCodeAt(j))) return undefined;
    const word = s.slice(this.i, j);
    return RESERVED.has(word) || DECLARATIONS.has(word) ? word : undefined;
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
  private list(elseEnds = false): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      this.skipLines();
      if (this.atEnd) return out;
      const c = this.at();
      if (c === RPAREN) return out;
      if (c === SEMI) {
        if (this.at(1) === SEMI || this.at(1) === AMP) return out;
        this.fail('; can only immediately follow a statement');
      }
      if (c === AMP && this.at(1) !== GT) this.fail('& can only immediately follow a statement');
      if (c === PIPE) this.fail('| must follow a statement');
      const reserved = this.peekReserved();
      if (reserved !== undefined && TERMINATORS.has(reserved) && (reserved !== 'else' || elseEnds)) return out;
      const stmt = this.andOr();
      out.push(stmt);
      this.skipBlanksAndComment();
      const sep = this.at();
      if (sep === SEMI) {
        if (this.at(1) === SEMI || this.at(1) === AMP) return out;
        this.i++;
      } else if (sep === AMP) {
        stmt.background = true;
        this.i++;
      } else if (sep === NL) {
        this.newline();
      } else if (sep === RPAREN || sep !== sep) {
        return out;
      } else {
        const next = this.peekReserved();
        if (next === undefined || !TERMINATORS.has(next) || (next === 'else' && !elseEnds)) this.fail('statements must be separated by &, ; or a newline');
      }
    }
  }

  private andOr(): Stmt {
    let left = this.pipeline();
    for (;;) {
      this.skipBlanks();
      const c = this.at();
      let op: '&&' | '||';
      if (c === AMP && this.at(1) === AMP) op = '&&';
      else if (c === PIPE && this.at(1) === PIPE) op = '||';
      else return left;
      this.i += 2;
      this.skipLines();
      const right = this.pipeline(op);
      left = stmtOf({ kind: 'binary', op, left, right });
    }
  }

  private pipeline(after?: string): Stmt {
    this.skipBlanks();
    let negated = false;
    if (this.at() === BANG && isDelimiter(this.at(1))) {
      negated = true;
      this.i++;
      this.skipBlanks();
      if (this.at() === BANG && isDelimiter(this.at(1))) this.fail('cannot negate a command multiple times');
    }
    let left = this.command();
    if (!left) this.fail(negated ? '"!" cannot form a statement alone' : `${after ?? 'a statement'} must be followed by a statement`);
    for (;;) {
      this.skipBlanks();
      if (this.at() !== PIPE || this.at(1) === PIPE) break;
      const op = this.at(1) === AMP ? '|&' : '|';
      this.i += op.length;
      this.skipLines();
      if (this.at() === BANG && isDelimiter(this.at(1))) this.fail('"!" can only be used in full statements');
      const right = this.command();
      if (!right) this.fail(`${op} must be followed by a statement`);
      left = stmtOf({ kind: 'binary', op, left, right });
    }
    left.negated = negated;
    return left;
  }

  /** One command with its redirections; undefined when none starts here. */
  private command(): Stmt | undefined {
    this.skipBlanks();
    const c = this.at();
    if (c !== c || c === NL || c === SEMI || c === PIPE || c === RPAREN || c === HASH || (c === AMP && this.at(1) !== GT)) return undefined;
    if (c === LPAREN) {
      const stmt = stmtOf(undefined);
      if (this.at(1) === LPAREN) {
        this.i += 2;
        this.arithmetic('((');
        stmt.command = { kind: 'arithmetic' };
      } else {
        this.i++;
        const body = this.list();
        if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
        this.i++;
        stmt.command = { kind: 'subshell', body };
      }
      this.trailingRedirects(stmt);
      return stmt;
    }
    const reserved = this.peekReserved();
    if (reserved === undefined || reserved === 'else') return this.simpleCommand();
    if (reserved === ']]') this.fail('"]]" can only be used to close a test');
    if (TERMINATORS.has(reserved) && reserved !== '{') this.fail(`"${reserved}" cannot start a statement`);
    const stmt = stmtOf(undefined);
    this.i += reserved.length;
    switch (reserved) {
      case '{': {
        const body = this.list();
        this.expectReserved('}', 'a block');
        stmt.command = { kind: 'block', body };
        break;
      }
      case 'if':
        stmt.command = this.ifClause();
        break;
      case 'while':
      case 'until': {
        const cond = this.nonEmptyList(reserved);
        this.expectReserved('do', reserved);
        const body = this.nonEmptyList('do');
        this.expectReserved('done', reserved);
        stmt.command = { kind: 'while', until: reserved === 'until', cond, body };
        break;
      }
      case 'for':
      case 'select':
        stmt.command = this.forClause(reserved === 'select');
        break;
      case 'case':
        stmt.command = this.caseClause();
        break;
      case 'function':
        stmt.command = this.functionKeyword();
        return stmt;
      case 'time': {
        this.skipBlanks();
        if (this.s.startsWith('-p', this.i) && isDelimiter(this.at(2))) this.i += 2;
        this.skipBlanks();
        // Like mvdan/sh, a comment after `time` leads to the next line's command.
        if (this.at() === HASH) this.skipLines();
        if (this.at() === BANG && isDelimiter(this.at(1))) this.fail('"time" cannot time a negated command');
        const next = this.at();
        const timed = next !== next || next === NL || next === SEMI || next === AMP || next === RPAREN || next === PIPE ? undefined : this.pipeline('time');
        stmt.command = { kind: 'time', stmt: timed };
        return stmt;
      }
      case 'coproc': {
        this.skipBlanks();
        this.coprocName();
        const inner = this.command();
        if (!inner) this.fail('coproc must be followed by a command');
        stmt.command = { kind: 'coproc', stmt: inner };
        return stmt;
      }
      case '[[': {
        const words: Word[] = [];
        this.testOr(words);
        this.skipLines();
        if (!(this.s.startsWith(']]', this.i) && isDelimiter(this.at(2)))) this.fail('reached the end without matching [[ with ]]');
        this.i += 2;
        stmt.command = { kind: 'test', words };
        break;
      }
      default:
        // declare, local, export, readonly, typeset, nameref, let
        return this.declaration(reserved, stmt);
    }
    this.trailingRedirects(stmt);
    return stmt;
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

  private nonEmptyList(after: string, elseEnds = false): Stmt[] {
    const body = this.list(elseEnds);
    if (body.length === 0) this.fail(`"${after}" must be followed by a statement list`);
    return body;
  }

  private ifClause(): Command {
    const cond = this.nonEmptyList('if', true);
    this.expectReserved('then', 'if');
    const then = this.nonEmptyList('then', true);
    this.skipLines();
    const next = this.peekReserved();
    if (next === 'elif') {
      this.i += 4;
      return { kind: 'if', cond, then, else: undefined, elif: this.ifClause() };
    }
    let otherwise: Stmt[] | undefined;
    if (next === 'else') {
      this.i += 4;
      otherwise = this.nonEmptyList('else');
    }
    this.expectReserved('fi', 'if');
    return { kind: 'if', cond, then, else: otherwise, elif: undefined };
  }

  private forClause(select: boolean): Command {
    this.skipBlanks();
    let name = '';
    let items: Word[] | undefined;
    if (!select && this.at() === LPAREN && this.at(1) === LPAREN) {
      this.i += 2;
      this.arithmetic('for');
    } else {
      const start = this.i;
      while (!isDelimiter(this.at())) this.i++;
      name = this.s.slice(start, this.i);
      if (name === '') this.fail('for must be followed by a name');
      this.skipLines();
      if (this.peekReserved() === undefined && this.s.startsWith('in', this.i) && isDelimiter(this.at(2))) {
        this.i += 2;
        items = [];
        for (;;) {
          this.skipBlanks();
          const c = this.at();
          if (c === SEMI || c === NL || c !== c || c === HASH) break;
          if (isDelimiter(c)) this.fail('for words must be separated by ; or a newline');
          items.push(this.word());
        }
      }
    }
    this.skipBlanksAndComment();
    if (this.at() === SEMI) this.i++;
    this.skipLines();
    const open = this.peekReserved();
    let body: Stmt[];
    if (open === 'do') {
      this.i += 2;
      body = this.nonEmptyList('do');
      this.expectReserved('done', 'for');
    } else if (open === '{') {
      this.i++;
      body = this.list();
      this.expectReserved('}', 'for');
    } else {
      this.fail('for must be followed by "do"');
    }
    return { kind: 'for', select, name, items, body };
  }

  private caseClause(): Command {
    this.skipBlanks();
    if (isDelimiter(this.at())) this.fail('case must be followed by a word');
    const word = this.word();
    this.skipLines();
    if (!(this.s.startsWith('in', this.i) && isDelimiter(this.at(2)))) this.fail('case x must be followed by in');
    this.i += 2;
    const items: CaseItem[] = [];
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
      const patterns: Word[] = [];
      for (;;) {
        this.skipBlanks();
        if (isDelimiter(this.at())) this.fail('case patterns must be words');
        patterns.push(this.word());
        this.skipBlanks();
        const c = this.at();
        if (c === PIPE) this.i++;
        else if (c === RPAREN) {
          this.i++;
          break;
        } else this.fail('case patterns must be separated with |');
      }
      const body = this.list();
      let op: CaseItem['op'];
      if (this.s.startsWith(';;&', this.i)) op = ';;&';
      else if (this.s.startsWith(';;', this.i)) op = ';;';
      else if (this.s.startsWith(';&', this.i)) op = ';&';
      items.push({ patterns, op, body });
      if (op) this.i += op.length;
      else {
        this.skipLines();
        if (this.peekReserved() !== 'esac') this.fail('case items must end with ;; or esac');
      }
    }
    return { kind: 'case', word, items };
  }

  private functionKeyword(): Command {
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
    return this.functionBody(name);
  }

  private functionBody(name: string): Command {
    this.skipLines();
    return { kind: 'function', name, body: this.pipeline(`${name}()`) };
  }

  private declaration(variant: string, stmt: Stmt): Stmt {
    const args: (Word | Assign)[] = [];
    let afterValue = false;
    for (;;) {
      this.skipBlanks();
      const c = this.at();
      if (c !== c || c === NL || c === SEMI || c === PIPE || c === RPAREN || c === HASH) break;
      if (c === AMP && this.at(1) !== GT) break;
      if (this.redirect(stmt)) continue;
      // mvdan/sh takes no more words after a redirection of a declaration.
      if (c === LPAREN || stmt.redirects.length > 0) this.fail('statements must be separated by &, ; or a newline');
      // mvdan/sh wants the word after `a=1` (not after `a` or `a=(1)`) to start unquoted and unexpanded.
      if (afterValue && (c === DOLLAR || c === DQUOTE || c === SQUOTE || c === BACKQUOTE)) this.fail('invalid variable name');
      if (variant !== 'let' && this.atAssignment()) {
        const a = this.assignment();
        afterValue = a.array === undefined;
        args.push(a);
      } else if (variant !== 'let' && this.atBadAssignment()) this.fail('invalid variable name');
      else {
        afterValue = false;
        args.push(this.word());
      }
    }
    if (variant === 'let' && args.length === 0) this.fail('"let" must be followed by an expression');
    stmt.command = { kind: 'declare', variant, args };
    return stmt;
  }

  private simpleCommand(): Stmt {
    const stmt = stmtOf(undefined);
    const assigns: Assign[] = [];
    const args: Word[] = [];
    let arrays = false;
    let nameStart = this.i;
    for (;;) {
      this.skipBlanks();
      const c = this.at();
      if (c !== c || c === NL || c === SEMI || c === PIPE || c === RPAREN) break;
      if (c === AMP && this.at(1) !== GT) break;
      if (c === HASH) break;
      if ((c === LT || c === GT || c === AMP || isDigit(c)) && this.redirect(stmt)) continue;
      if (c === LPAREN) {
        if (args.length === 1 && assigns.length === 0 && stmt.redirects.length === 0) {
          const name = this.s.slice(nameStart, this.i).trimEnd();
          if (isFunctionName(name)) {
            this.i++;
            this.skipBlanks();
            if (this.at() !== RPAREN) this.fail('function name must be followed by ()');
            this.i++;
            stmt.command = this.functionBody(name);
            return stmt;
          }
        }
        this.fail('a command can only contain words and redirects; encountered (');
      }
      if (args.length === 0 && this.atAssignment()) {
        const a = this.assignment();
        if (a.array !== undefined || a.name.includes('[')) arrays = true;
        assigns.push(a);
      } else {
        if (args.length === 0) {
          nameStart = this.i;
          // `name[` first in a command is an array element assignment or nothing (as in mvdan/sh).
          if (this.atIndexedName()) this.fail('[ must follow a name in an assignment');
        }
        args.push(this.word());
      }
    }
    if (arrays && args.length > 0) this.fail('inline variables cannot be arrays');
    if (assigns.length > 0 || args.length > 0) stmt.command = { kind: 'call', assigns, args };
    return stmt;
  }

  private trailingRedirects(stmt: Stmt): void {
    for (;;) {
      this.skipBlanks();
      if (!this.redirect(stmt)) return;
    }
  }

  /** A redirection at the cursor, added to the statement; false when none starts here. */
  private redirect(stmt: Stmt): boolean {
    const s = this.s;
    let j = this.i;
    while (isDigit(s.charCodeAt(j))) j++;
    const c = s.charCodeAt(j);
    let op: string;
    if (c === LT) {
      const n = s.charCodeAt(j + 1);
      if (n === LPAREN) return false;
      if (n === LT) op = s.charCodeAt(j + 2) === LT ? '<<<' : s.charCodeAt(j + 2) === MINUS ? '<<-' : '<<';
      else if (n === GT) op = '<>';
      else if (n === AMP) op = '<&';
      else op = '<';
    } else if (c === GT) {
      const n = s.charCodeAt(j + 1);
      if (n === LPAREN) return false;
      op = n === GT ? '>>' : n === PIPE ? '>|' : n === AMP ? '>&' : '>';
    } else if (c === AMP && j === this.i && s.charCodeAt(j + 1) === GT) {
      op = s.charCodeAt(j + 2) === GT ? '&>>' : '&>';
    } else {
      return false;
    }
    const fd = j > this.i ? s.slice(this.i, j) : undefined;
    this.i = j + op.length;
    this.skipBlanks();
    const t = this.at();
    const substitution = (t === LT || t === GT) && this.at(1) === LPAREN;
    if ((isDelimiter(t) && !substitution) || t === HASH || this.atRedirectWithFd()) this.fail(`${op} must be followed by a word`);
    const start = this.i;
    const word = this.word();
    const redirect: Redirect = { op, fd, word, heredoc: undefined };
    stmt.redirects.push(redirect);
    if (op === '<<' || op === '<<-') {
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
      this.heredocs.push({ redirect, delimiter, quoted, stripTabs: op === '<<-' });
    }
    return true;
  }

  /** `NAME[` at the cursor. */
  private atIndexedName(): boolean {
    let j = this.i;
    if (!isNameStart(this.s.charCodeAt(j))) return false;
    while (isNameChar(this.s.charCodeAt(j))) j++;
    return this.s.charCodeAt(j) === LBRACKET;
  }

  /** `2>`, `10<`…: a file descriptor number that starts a redirection, not a word. */
  private atRedirectWithFd(): boolean {
    let j = this.i;
    while (isDigit(this.s.charCodeAt(j))) j++;
    const c = this.s.charCodeAt(j);
    return j > this.i && (c === LT || c === GT);
  }

  /** Unquoted text up to an `=` that is not a name (`a-b=c`, `-f=x`): a declaration rejects it. */
  private atBadAssignment(): boolean {
    const s = this.s;
    for (let j = this.i; ; j++) {
      const c = s.charCodeAt(j);
      if (c === EQ) return j > this.i;
      if (c === BACKSLASH) j++;
      else if (isDelimiter(c) || c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE) return false;
    }
  }

  /** `NAME=`, `NAME+=` or `NAME[…]=` at the cursor. */
  private atAssignment(): boolean {
    const s = this.s;
    let j = this.i;
    if (!isNameStart(s.charCodeAt(j))) return false;
    while (isNameChar(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) === LBRACKET) {
      const close = s.indexOf(']', j);
      if (close < 0) return false;
      j = close + 1;
    }
    if (s.charCodeAt(j) === PLUS) j++;
    return s.charCodeAt(j) === EQ;
  }

  private assignment(): Assign {
    const s = this.s;
    const start = this.i;
    while (isNameChar(this.at())) this.i++;
    let name = s.slice(start, this.i);
    if (this.at() === LBRACKET) {
      const open = this.i;
      this.i++;
      this.arithmeticIndex();
      name += s.slice(open, this.i);
    }
    if (this.at() === PLUS) this.i++;
    this.i++; // =
    if (this.at() === LPAREN) {
      this.i++;
      const array: Word[] = [];
      for (;;) {
        this.skipLines();
        const c = this.at();
        if (c === RPAREN) {
          this.i++;
          break;
        }
        if (c !== c) this.fail('reached the end without matching ( with )');
        if (isDelimiter(c)) this.fail('array elements must be words');
        array.push(this.word());
      }
      return { kind: 'assign', name, value: undefined, array };
    }
    const value = isDelimiter(this.at()) ? undefined : this.word();
    return { kind: 'assign', name, value, array: undefined };
  }

  // ---- words

  /** An unquoted word; the caller has checked that one starts at the cursor. */
  private word(): Word {
    return { kind: 'word', parts: this.wordParts(0) };
  }

  /**
   * The parts of a word up to an unquoted delimiter. Inside `${…}` (stop is `}` or `/`), blanks
   * and operators are part of the word and only the stop character ends it.
   */
  private wordParts(stop: number): WordPart[] {
    const s = this.s;
    const plain = stop === 0 ? PLAIN_IN_WORD : PLAIN_IN_BRACES;
    const parts: WordPart[] = [];
    let lit = '';
    let start = this.i;
    for (;;) {
      let i = this.i;
      let c = s.charCodeAt(i);
      // Most of a word is plain text: skip it in one tight loop (NaN, the end, is not plain).
      while (c >= 128 || plain[c] === 1) c = s.charCodeAt(++i);
      this.i = i;
      if (stop === 0) {
        if (c === LPAREN) {
          // `@(…)` and its kind: an extended glob, when the character before is unquoted.
          const prev = s.charCodeAt(i - 1);
          if (i > start && (prev === AT || prev === BANG || prev === STAR || prev === PLUS || prev === QUESTION)) {
            lit += s.slice(start, i - 1);
            if (lit) parts.push({ kind: 'lit', value: lit });
            lit = '';
            if (s.charCodeAt(i + 1) === RPAREN) this.fail('an extended glob needs a pattern');
            this.skipParens();
            parts.push({ kind: 'extglob', pattern: s.slice(i - 1, this.i) });
            start = this.i;
            continue;
          }
          break;
        }
        if ((c === LT || c === GT) && s.charCodeAt(i + 1) === LPAREN) {
          lit += s.slice(start, i);
          if (lit) parts.push({ kind: 'lit', value: lit });
          lit = '';
          this.i += 2;
          const body = this.list();
          if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
          this.i++;
          parts.push({ kind: 'process', body });
          start = this.i;
          continue;
        }
        if (isDelimiter(c)) break;
      } else if (c === stop || c === RBRACE) {
        break;
      } else if (c !== c) {
        this.fail('reached the end without matching ${ with }');
      } else if (c === SLASH) {
        this.i++;
        continue;
      }
      if (c === BACKSLASH) {
        lit += s.slice(start, i);
        const n = s.charCodeAt(i + 1);
        if (n === NL) this.i += 2;
        else if (n === CR && s.charCodeAt(i + 2) === NL) this.i += 3;
        else if (n !== n) {
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
      } else if (c === DQUOTE || c === DOLLAR || c === BACKQUOTE) {
        lit += s.slice(start, i);
        const part = c === DQUOTE ? this.doubleQuoted() : c === DOLLAR ? this.dollar(false) : this.backquote();
        if (part.kind === 'lit') lit += part.value;
        else {
          if (lit) parts.push({ kind: 'lit', value: lit });
          lit = '';
          parts.push(part);
        }
        start = this.i;
      } else {
        // Inside ${…}: blanks and operators are text.
        this.i++;
      }
    }
    lit += s.slice(start, this.i);
    if (lit) parts.push({ kind: 'lit', value: lit });
    return parts;
  }

  /** `"…"` at the cursor. */
  private doubleQuoted(): WordPart {
    const s = this.s;
    this.i++;
    const parts: WordPart[] = [];
    let lit = '';
    let start = this.i;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === DQUOTE) break;
      if (c !== c) this.fail('reached the end without closing quote "');
      if (c === BACKSLASH) {
        const n = s.charCodeAt(this.i + 1);
        if (n === DOLLAR || n === BACKQUOTE || n === DQUOTE || n === BACKSLASH || n === NL) {
          lit += s.slice(start, this.i);
          if (n !== NL) lit += s[this.i + 1];
          this.i += 2;
          start = this.i;
        } else this.i++;
      } else if (c === DOLLAR || c === BACKQUOTE) {
        lit += s.slice(start, this.i);
        const part = c === DOLLAR ? this.dollar(true) : this.backquote();
        if (part.kind === 'lit') lit += part.value;
        else {
          if (lit) parts.push({ kind: 'lit', value: lit });
          lit = '';
          parts.push(part);
        }
        start = this.i;
      } else this.i++;
    }
    lit += s.slice(start, this.i);
    this.i++;
    if (lit) parts.push({ kind: 'lit', value: lit });
    return { kind: 'double', parts };
  }

  /** What starts with `$` at the cursor; a literal `$` when nothing does. */
  private dollar(quoted: boolean): WordPart {
    const s = this.s;
    const n = s.charCodeAt(this.i + 1);
    if (n === LBRACE) return this.braceParam();
    if (n === LPAREN) {
      if (s.charCodeAt(this.i + 2) === LPAREN) {
        this.i += 3;
        this.arithmetic('$((');
        return { kind: 'arithmetic' };
      }
      this.i += 2;
      const body = this.list();
      if (this.at() !== RPAREN) this.fail('reached the end without matching ( with )');
      this.i++;
      return { kind: 'command', body };
    }
    if (n === LBRACKET) {
      this.i += 2;
      this.arithmetic('$[');
      return { kind: 'arithmetic' };
    }
    if (!quoted && n === SQUOTE) {
      let j = this.i + 2;
      for (;;) {
        const c = s.charCodeAt(j);
        if (c !== c) this.fail("reached the end without closing quote '");
        if (c === SQUOTE) break;
        j += c === BACKSLASH ? 2 : 1;
      }
      const value = s.slice(this.i + 2, j);
      this.i = j + 1;
      return { kind: 'ansi', value };
    }
    if (!quoted && n === DQUOTE) {
      this.i++;
      return this.doubleQuoted();
    }
    if (isNameStart(n)) {
      let j = this.i + 2;
      while (isNameChar(s.charCodeAt(j))) j++;
      const name = s.slice(this.i + 1, j);
      this.i = j;
      return { kind: 'param', name, plain: true, words: [] };
    }
    if (isDigit(n) || isSpecialParam(n)) {
      this.i += 2;
      return { kind: 'param', name: s[this.i - 1]!, plain: true, words: [] };
    }
    this.i++;
    return { kind: 'lit', value: '$' };
  }

  /** `${…}` at the cursor. */
  private braceParam(): WordPart {
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
    const words: Word[] = [];
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
        words.push({ kind: 'word', parts: this.wordParts(RBRACE) });
      } else if (c === COLON) {
        this.i++;
        this.sliceArithmetic();
        if (this.at() === COLON) {
          this.i++;
          this.sliceArithmetic();
        }
      } else if (c === MINUS || c === EQ || c === QUESTION || c === PLUS) {
        this.i++;
        words.push({ kind: 'word', parts: this.wordParts(RBRACE) });
      } else if (c === HASH || c === 37 /* % */ || c === 94 /* ^ */ || c === 44 /* , */) {
        this.i += n === c ? 2 : 1;
        words.push({ kind: 'word', parts: this.wordParts(RBRACE) });
      } else if (c === SLASH) {
        this.i += n === SLASH || n === HASH || n === 37 ? 2 : 1;
        words.push({ kind: 'word', parts: this.wordParts(SLASH) });
        if (this.at() === SLASH) {
          this.i++;
          words.push({ kind: 'word', parts: this.wordParts(RBRACE) });
        }
      } else if (c === AT && isNameStart(n)) {
        this.i += 2;
      } else if ((c === AT || c === STAR) && s.charCodeAt(this.i + 1) === RBRACE && !plain) {
        // ${!prefix*}, ${!prefix@}
        this.i++;
      } else {
        this.fail('not a valid parameter expansion operator');
      }
    }
    if (this.at() !== RBRACE) this.fail('reached the end without matching ${ with }');
    this.i++;
    return { kind: 'param', name, plain, words };
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

  /** `` `…` `` at the cursor: its text, with `\$ \` \\` unescaped, is a script of its own. */
  private backquote(): WordPart {
    const s = this.s;
    let inner = '';
    let j = this.i + 1;
    let start = j;
    for (;;) {
      const c = s.charCodeAt(j);
      if (c !== c) this.fail('reached the end without closing quote `');
      if (c === BACKQUOTE) break;
      if (c === BACKSLASH) {
        const n = s.charCodeAt(j + 1);
        if (n === BACKQUOTE || n === DOLLAR || n === BACKSLASH) {
          inner += s.slice(start, j);
          start = j + 1;
        }
        j += 2;
      } else j++;
    }
    inner += s.slice(start, j);
    this.i = j + 1;
    const script = new Parser(inner).script();
    return { kind: 'command', body: script.stmts };
  }

  /** Past the `(…)` at the cursor, minding nesting and quotes. */
  private skipParens(): void {
    const s = this.s;
    let depth = 0;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c !== c) this.fail('reached the end without matching ( with )');
      if (c === LPAREN) depth++;
      else if (c === RPAREN) {
        depth--;
        if (depth === 0) {
          this.i++;
          return;
        }
      } else if (c === BACKSLASH) this.i++;
      else if (c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE) {
        this.wordPiece(c);
        continue;
      }
      this.i++;
    }
  }

  /** A quoted string or a `$…`/`` `…` `` at the cursor (the cursor moves past it). */
  private wordPiece(c: number): WordPart {
    if (c === SQUOTE) {
      const close = this.s.indexOf("'", this.i + 1);
      if (close < 0) this.fail("reached the end without closing quote '");
      const value = this.s.slice(this.i + 1, close);
      this.i = close + 1;
      return { kind: 'lit', value };
    }
    if (c === DQUOTE) return this.doubleQuoted();
    if (c === DOLLAR) return this.dollar(false);
    return this.backquote();
  }

  // ---- arithmetic: checked for shape, not kept

  private arithmetic(opener: '((' | '$((' | '$[' | 'for'): void {
    if (opener === 'for') {
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
      return;
    }
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
      const after = s.charCodeAt(this.i + op.length);
      if (after === EQ && op !== '<=' && op !== '>=' && op !== '==' && op !== '!=' && op !== '&&' && op !== '||' && op !== '**') return undefined;
      return op;
    }
    return undefined;
  }

  private arithAtEnd(): boolean {
    const c = this.at();
    return c !== c || c === RPAREN || c === RBRACKET || c === SEMI || c === COLON || c === RBRACE || c === 44;
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
      if (d < 128 ? ARITH_OPERAND[d] === 1 && !(d === RBRACE && this.inSlice) && !(d === HASH && !any) : d === d) {
        this.i++;
      } else if (d === DOLLAR || d === SQUOTE || d === DQUOTE || d === BACKQUOTE) {
        this.wordPiece(d);
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

  // ---- [[ … ]]: its shape is checked, its words kept

  private testOr(words: Word[]): void {
    this.testAnd(words);
    for (;;) {
      this.skipLines();
      if (!(this.at() === PIPE && this.at(1) === PIPE)) return;
      this.i += 2;
      this.testAnd(words);
    }
  }

  private testAnd(words: Word[]): void {
    this.testNot(words);
    for (;;) {
      this.skipLines();
      if (!(this.at() === AMP && this.at(1) === AMP)) return;
      this.i += 2;
      this.testNot(words);
    }
  }

  private testNot(words: Word[]): void {
    this.skipLines();
    if (this.at() === BANG && isDelimiter(this.at(1))) {
      this.i++;
      this.testNot(words);
      return;
    }
    this.testPrimary(words);
  }

  private testPrimary(words: Word[]): void {
    this.skipLines();
    const c = this.at();
    if (c === LPAREN) {
      this.i++;
      this.testOr(words);
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
      words.push(this.testWord());
      return;
    }
    words.push(this.testWord());
    this.skipBlanks();
    const bin = this.testBinaryOperator();
    if (bin === undefined) return;
    this.i += bin.length;
    this.skipBlanks();
    if (bin === '=~') this.testRegex();
    else words.push(this.testWord());
  }

  /** The `-x`-like word at the cursor, if it is followed by a blank. */
  private testOperatorWord(): string | undefined {
    if (this.at() !== MINUS) return undefined;
    const s = this.s;
    let j = this.i + 1;
    while (isNameChar(s.charCodeAt(j))) j++;
    const c = s.charCodeAt(j);
    return isBlank(c) || c === NL ? s.slice(this.i, j) : undefined;
  }

  private testBinaryOperator(): string | undefined {
    const c = this.at();
    if (c === LT || c === GT) return String.fromCharCode(c);
    const s = this.s;
    let j = this.i;
    while (!isDelimiter(s.charCodeAt(j))) j++;
    const word = s.slice(this.i, j);
    return TEST_BINARY.has(word) ? word : undefined;
  }

  private testWord(): Word {
    const c = this.at();
    if (isDelimiter(c)) this.fail('[[ expects a word here');
    return this.word();
  }

  /** The right side of `=~`: a regular expression where `(`, `)` and `|` are literal. */
  private testRegex(): void {
    let depth = 0;
    const start = this.i;
    for (;;) {
      const c = this.at();
      if (c !== c || c === NL || ((isBlank(c) || c === SEMI || c === AMP || c === PIPE || c === LT || c === GT) && depth === 0)) break;
      if (c === RPAREN && depth === 0) break;
      if (c === LPAREN) depth++;
      else if (c === RPAREN) depth--;
      if (c === BACKSLASH) this.i += 2;
      else if (c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE) this.wordPiece(c);
      else this.i++;
    }
    if (this.i === start) this.fail('=~ must be followed by a word');
  }
}

function stmtOf(command: Command | undefined): Stmt {
  return { command, negated: false, background: false, redirects: [] };
}

/** A name `name()` may define: written without quotes or expansions. */
function isFunctionName(name: string): boolean {
  if (name === '') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === SQUOTE || c === DQUOTE || c === DOLLAR || c === BACKQUOTE || c === NL) return false;
  }
  return true;
}
