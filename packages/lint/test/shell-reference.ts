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
  visit(file, raw);
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

// mvdan/sh's token numbers for `|` and `|&` (BinCmdOperator).
const PIPE = 12;
const PIPE_ALL = 13;

/** Statements and commands in source order: simple commands (those in `$(…)` first) and pipes. */
function visit(node: unknown, script: RawScript): void {
  if (isNil(node) || typeof node !== 'object') return;
  const n = node as GoNode;
  switch (typeOf(n)) {
    case '*syntax.File':
    case '*syntax.Block':
    case '*syntax.Subshell':
      for (const st of items(n.Stmts)) visit(st, script);
      return;
    case '*syntax.Stmt':
      visit(n.Cmd, script);
      return;
    case '*syntax.BinaryCmd': {
      const op = n.Op as number;
      if (op === PIPE || op === PIPE_ALL) script.hasPipe = true;
      visit(n.X, script);
      visit(n.Y, script);
      return;
    }
    case '*syntax.CallExpr': {
      const words = items(n.Args);
      for (const w of words) for (const p of items(w.Parts)) visitSubstitutions(p, script);
      script.commands.push(words.map(rawWord));
      return;
    }
    case '*syntax.IfClause':
      for (const st of [...items(n.Cond), ...items(n.Then)]) visit(st, script);
      visit(n.Else, script);
      return;
    case '*syntax.WhileClause':
      for (const st of [...items(n.Cond), ...items(n.Do)]) visit(st, script);
      return;
    case '*syntax.ForClause':
      for (const st of items(n.Do)) visit(st, script);
      return;
    case '*syntax.CaseClause':
      for (const item of items(n.Items)) for (const st of items(item.Stmts)) visit(st, script);
      return;
    case '*syntax.FuncDecl':
      visit(n.Body, script);
      return;
    case '*syntax.TimeClause':
    case '*syntax.CoprocClause':
      visit(n.Stmt, script);
      return;
    default:
      return;
  }
}

function visitSubstitutions(part: GoNode, script: RawScript): void {
  const t = typeOf(part);
  if (t === '*syntax.CmdSubst') for (const st of items(part.Stmts)) visit(st, script);
  else if (t === '*syntax.DblQuoted') for (const p of items(part.Parts)) visitSubstitutions(p, script);
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
