// The reference for lint's shell parser: mvdan-sh (mvdan/sh compiled to JavaScript by GopherJS),
// the parser lint used before it had its own, read into the same RawScript as src/shell.ts builds.
// Only tests load it; mvdan-sh is a devDependency.
import { createRequire } from 'node:module';
import type { RawPart, RawScript, RawWord } from '../src/shell.js';

type Syntax = typeof import('mvdan-sh').syntax;
let parser: ReturnType<Syntax['NewParser']> | undefined;

/** The RawScript mvdan-sh gives for a text; null when mvdan-sh rejects it. */
export function referenceRawScript(text: string): RawScript | null {
  if (!parser) {
    // GopherJS sets Error.stackTraceLimit to Infinity when it loads: put the caller's back.
    const saved = Error.stackTraceLimit;
    parser = (createRequire(import.meta.url)('mvdan-sh') as typeof import('mvdan-sh')).syntax.NewParser();
    Error.stackTraceLimit = saved;
  }
  let file: GoNode;
  try {
    // The Go structs behind mvdan-sh's wrapper objects: the same tree, read without conversions.
    file = (parser.Parse(text, '') as unknown as { __internal_object__: GoNode }).__internal_object__;
  } catch {
    return null;
  }
  const raw: RawScript = { commands: [], hasPipe: false };
  collect(file, raw);
  return raw;
}

/** A GopherJS value of a mvdan.cc/sh/v3/syntax type: its Go type name and its fields. */
interface GoNode {
  constructor: { string?: string };
  [field: string]: unknown;
}

interface GoSlice {
  $array: GoNode[];
  $offset: number;
  $length: number;
}

function items(slice: unknown): GoNode[] {
  const s = slice as GoSlice | null | undefined;
  if (!s || !s.$array || s.$length === 0) return [];
  return s.$array.slice(s.$offset, s.$offset + s.$length);
}

/** A Go nil pointer (its type's `nil` value) or nil interface (an object with no `$val`), as GopherJS represents them. */
function isNil(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v !== 'object') return false;
  const o = v as { constructor?: { nil?: unknown }; $val?: unknown };
  return o === o.constructor?.nil || o.$val === undefined;
}

function typeOf(node: unknown): string {
  return !isNil(node) && typeof node === 'object' ? ((node as GoNode).constructor.string ?? '') : '';
}

/** Go strings are bytes: GopherJS keeps UTF-8 text as one character per byte. */
function goString(value: unknown): string {
  const s = value as string;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.from(s, 'latin1').toString('utf8');
  return s;
}

// mvdan/sh's token numbers for `|` and `|&` (BinCmdOperator), `<<` and `<<-` (RedirOperator).
const PIPE = 12;
const PIPE_ALL = 13;
const HEREDOC = 61;
const DASH_HEREDOC = 62;

/** A simple command read, with where it ends in the text (mvdan-sh's byte offset). */
interface Found {
  end: number;
  words: RawWord[];
}

/** Where a node ends: the byte offset of its End() position. */
function endOf(node: GoNode): number {
  return (node as unknown as { End(): { offs: number } }).End().offs;
}

/**
 * Every simple command of the tree, those of all substitutions included, and pipes. The commands
 * are put in the order they end (script.ts), where a simple command ends with the last of its
 * words, assignments and redirections.
 */
function collect(file: GoNode, script: RawScript): void {
  const found: Found[] = [];
  visit(file, found, script);
  // A stable sort: no two commands end at the same place, but ties would keep the tree's order.
  found.sort((a, b) => a.end - b.end);
  for (const f of found) script.commands.push(f.words);
}

/** Statements and commands: simple commands and pipes, with the substitutions in all their words. */
function visit(node: unknown, found: Found[], script: RawScript): void {
  if (isNil(node) || typeof node !== 'object') return;
  const n = node as GoNode;
  const stmts = (list: unknown): void => {
    for (const st of items(list)) visit(st, found, script);
  };
  switch (typeOf(n)) {
    case '*syntax.File':
    case '*syntax.Block':
    case '*syntax.Subshell':
      stmts(n.Stmts);
      return;
    case '*syntax.Stmt': {
      const redirs = items(n.Redirs);
      for (const r of redirs) {
        // A here-document's delimiter is not expanded; its body (a word when unquoted) is.
        const op = r.Op as number;
        if (op !== HEREDOC && op !== DASH_HEREDOC) words([r.Word], found, script);
        if (!isNil(r.Hdoc)) words([r.Hdoc], found, script);
      }
      if (typeOf(n.Cmd) === '*syntax.CallExpr') {
        const call = n.Cmd as GoNode;
        const args = items(call.Args);
        for (const a of items(call.Assigns)) assign(a, found, script);
        words(args, found, script);
        let end = endOf(call);
        for (const r of redirs) end = Math.max(end, endOf(r.Word as GoNode));
        found.push({ end, words: args.map(rawWord) });
      } else visit(n.Cmd, found, script);
      return;
    }
    case '*syntax.BinaryCmd': {
      const op = n.Op as number;
      if (op === PIPE || op === PIPE_ALL) script.hasPipe = true;
      visit(n.X, found, script);
      visit(n.Y, found, script);
      return;
    }
    case '*syntax.IfClause':
      stmts(n.Cond);
      stmts(n.Then);
      visit(n.Else, found, script);
      return;
    case '*syntax.WhileClause':
      stmts(n.Cond);
      stmts(n.Do);
      return;
    case '*syntax.ForClause': {
      const loop = n.Loop as GoNode;
      if (typeOf(loop) === '*syntax.WordIter') words(items(loop.Items), found, script);
      else for (const x of [loop.Init, loop.Cond, loop.Post]) expression(x, found, script);
      stmts(n.Do);
      return;
    }
    case '*syntax.CaseClause':
      words([n.Word], found, script);
      for (const item of items(n.Items)) {
        words(items(item.Patterns), found, script);
        stmts(item.Stmts);
      }
      return;
    case '*syntax.DeclClause':
      for (const a of items(n.Args)) assign(a, found, script);
      return;
    case '*syntax.LetClause':
      for (const x of items(n.Exprs)) expression(x, found, script);
      return;
    case '*syntax.ArithmCmd':
      expression(n.X, found, script);
      return;
    case '*syntax.TestClause':
      expression(n.X, found, script);
      return;
    case '*syntax.FuncDecl':
      visit(n.Body, found, script);
      return;
    case '*syntax.TimeClause':
    case '*syntax.CoprocClause':
      visit(n.Stmt, found, script);
      return;
    default:
      return;
  }
}

/** The substitutions of an assignment: in its index, its value, an array's indexes and values. */
function assign(a: GoNode, found: Found[], script: RawScript): void {
  expression(a.Index, found, script);
  words([a.Value], found, script);
  if (!isNil(a.Array)) {
    for (const e of items((a.Array as GoNode).Elems)) {
      expression(e.Index, found, script);
      words([e.Value], found, script);
    }
  }
}

function words(list: unknown[], found: Found[], script: RawScript): void {
  for (const w of list) if (!isNil(w)) for (const p of items((w as GoNode).Parts)) part(p, found, script);
}

/** The commands of the substitutions in a part of a word, at any depth (an extended glob's pattern is text). */
function part(p: GoNode, found: Found[], script: RawScript): void {
  switch (typeOf(p)) {
    case '*syntax.CmdSubst':
    case '*syntax.ProcSubst':
      for (const st of items(p.Stmts)) visit(st, found, script);
      return;
    case '*syntax.DblQuoted':
      for (const q of items(p.Parts)) part(q, found, script);
      return;
    case '*syntax.ArithmExp':
      expression(p.X, found, script);
      return;
    case '*syntax.ParamExp': {
      expression(p.Index, found, script);
      if (!isNil(p.Slice)) {
        const slice = p.Slice as GoNode;
        expression(slice.Offset, found, script);
        expression(slice.Length, found, script);
      }
      if (!isNil(p.Repl)) {
        const repl = p.Repl as GoNode;
        words([repl.Orig, repl.With], found, script);
      }
      if (!isNil(p.Exp)) words([(p.Exp as GoNode).Word], found, script);
      return;
    }
    default:
      return;
  }
}

/** An arithmetic or `[[ … ]]` expression: the substitutions in its words. */
function expression(x: unknown, found: Found[], script: RawScript): void {
  if (isNil(x)) return;
  const n = x as GoNode;
  switch (typeOf(n)) {
    case '*syntax.Word':
      words([n], found, script);
      return;
    case '*syntax.BinaryArithm':
    case '*syntax.BinaryTest':
      expression(n.X, found, script);
      expression(n.Y, found, script);
      return;
    case '*syntax.UnaryArithm':
    case '*syntax.ParenArithm':
    case '*syntax.UnaryTest':
    case '*syntax.ParenTest':
      expression(n.X, found, script);
      return;
    default:
      return;
  }
}

function rawWord(word: GoNode): RawWord {
  const out: RawPart[] = [];
  for (const part of items(word.Parts)) rawPart(part, out, false);
  // Literal text only: the word is its text.
  const first = out[0];
  if (first === undefined) return '';
  return out.length === 1 && 'lit' in first ? first.lit : out;
}

function rawPart(part: GoNode, out: RawPart[], quoted: boolean): void {
  switch (typeOf(part)) {
    case '*syntax.Lit': {
      // mvdan-sh keeps a literal as written: remove the backslashes sh removes.
      const value = goString(part.Value);
      pushLit(out, quoted ? value.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c)) : value.replace(/\\(.)/gs, '$1'));
      return;
    }
    case '*syntax.SglQuoted':
      pushLit(out, goString(part.Value));
      return;
    case '*syntax.DblQuoted':
      for (const p of items(part.Parts)) rawPart(p, out, true);
      return;
    case '*syntax.ParamExp': {
      const param = part.Param as GoNode | null;
      const name = param && typeOf(param) === '*syntax.Lit' ? goString(param.Value) : undefined;
      const plain = isNil(part.Exp) && isNil(part.Slice) && isNil(part.Repl) && isNil(part.Index) && !part.Length && !part.Excl && !part.Width;
      out.push(plain && name !== undefined ? { param: name } : { opaque: true });
      return;
    }
    default:
      out.push({ opaque: true });
  }
}

function pushLit(out: RawPart[], text: string): void {
  if (text === '') return;
  const last = out[out.length - 1];
  if (last !== undefined && 'lit' in last) last.lit += text;
  else out.push({ lit: text });
}
