// RUN commands read through a real shell parser (mvdan-sh), after substituting the ARG/ENV
// values known at that point. The rules see simple commands with their words, never raw text.
import { createRequire } from 'node:module';
import type { Scope } from './model.js';

type Syntax = typeof import('mvdan-sh').syntax;
let syntax: Syntax | undefined;
/** The Error.stackTraceLimit GopherJS code expects (it sets Infinity when loaded, and reads stack depths). */
let gopherLimit = Infinity;

/**
 * mvdan-sh is loaded on first use, and the process-wide Error.stackTraceLimit it sets on load is put
 * back: its code runs with its own limit, everything else (the Dockerfile parser too) with the caller's.
 */
function loadSyntax(): Syntax {
  if (!syntax) {
    const saved = Error.stackTraceLimit;
    syntax = (createRequire(import.meta.url)('mvdan-sh') as typeof import('mvdan-sh')).syntax;
    gopherLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = saved;
  }
  return syntax;
}

/** One word of a command. `known` is false when part of it is a variable or substitution we cannot see through. */
export interface ShellWord {
  text: string;
  known: boolean;
}

export interface ShellCommand {
  /** The command name without its directory (`/usr/bin/apt-get` → `apt-get`); '' when unknown. */
  name: string;
  /** The words after the name. */
  args: ShellWord[];
}

export interface ShellScript {
  /** Simple commands in source order (those in `sudo …`, `$(…)` and subshells included). */
  commands: ShellCommand[];
  /** A `|` or `|&` pipeline appears. */
  hasPipe: boolean;
}

let parser: ReturnType<Syntax['NewParser']> | undefined;

/** A word as parsed, before variables are looked up: literal text, `$NAME`, or something opaque. */
type RawPart = { lit: string } | { param: string } | { opaque: true };
interface RawScript {
  commands: RawPart[][][];
  hasPipe: boolean;
}

/**
 * Parsed scripts by text. The parse does not depend on variable values, and editors re-lint the
 * same RUN lines on every keystroke, so the parse is kept (the CACHE_SIZE texts used most recently).
 */
const cache = new Map<string, RawScript | null>();
const CACHE_SIZE = 2000;

/** Forgets every parsed script (benchmarks use it to measure cold runs). */
export function clearShellCache(): void {
  cache.clear();
}

/** Parses a shell-form RUN command; undefined when it is not valid shell (rules then say nothing). */
export function parseShell(text: string, scope: Scope): ShellScript | undefined {
  let raw = cache.get(text);
  if (raw === undefined) {
    raw = parseRaw(text);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  } else {
    // Least recently used goes first: a text seen again moves to the end.
    cache.delete(text);
  }
  cache.set(text, raw);
  if (raw === null) return undefined;
  const script: ShellScript = { commands: [], hasPipe: raw.hasPipe };
  for (const words of raw.commands) pushCommand(script.commands, words.map((w) => resolveWord(w, scope)));
  return script;
}

function parseRaw(text: string): RawScript | null {
  parser ??= loadSyntax().NewParser();
  let file: GoNode;
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = gopherLimit;
  try {
    // The wrapper mvdan-sh hands back converts every field on each access; the Go structs behind
    // it (GopherJS values) are the same tree and cost nothing to read.
    file = (parser.Parse(text, '') as unknown as { __internal_object__: GoNode }).__internal_object__;
  } catch {
    return null;
  } finally {
    Error.stackTraceLimit = saved;
  }
  const raw: RawScript = { commands: [], hasPipe: false };
  visit(file, raw, 0);
  return raw;
}

function resolveWord(parts: RawPart[], scope: Scope): ShellWord {
  const out = { text: '', known: true };
  for (const p of parts) {
    if ('lit' in p) out.text += p.lit;
    else if ('param' in p) {
      const value = scope.get(p.param);
      if (value !== undefined) out.text += value;
      else {
        out.text += `\${${p.param}}`;
        out.known = false;
      }
    } else {
      out.text += '$(…)';
      out.known = false;
    }
  }
  return out;
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

function typeOf(node: unknown): string {
  return !isNil(node) && typeof node === 'object' ? ((node as GoNode).constructor.string ?? '') : '';
}

/** Walks statements and commands in source order, collecting simple commands and pipes. */
function visit(node: unknown, script: RawScript, depth: number): void {
  if (depth > 200 || isNil(node) || typeof node !== 'object') return;
  const n = node as GoNode;
  switch (typeOf(n)) {
    case '*syntax.File':
    case '*syntax.Block':
    case '*syntax.Subshell':
      for (const st of items(n.Stmts)) visit(st, script, depth + 1);
      return;
    case '*syntax.Stmt':
      visit(n.Cmd, script, depth + 1);
      return;
    case '*syntax.BinaryCmd': {
      const op = n.Op as number;
      if (op === PIPE || op === PIPE_ALL) script.hasPipe = true;
      visit(n.X, script, depth + 1);
      visit(n.Y, script, depth + 1);
      return;
    }
    case '*syntax.CallExpr': {
      const words = items(n.Args);
      for (const w of words) for (const p of items(w.Parts)) visitSubstitutions(p, script, depth + 1);
      script.commands.push(words.map(rawWord));
      return;
    }
    case '*syntax.IfClause':
      for (const st of [...items(n.Cond), ...items(n.Then)]) visit(st, script, depth + 1);
      visit(n.Else, script, depth + 1);
      return;
    case '*syntax.WhileClause':
      for (const st of [...items(n.Cond), ...items(n.Do)]) visit(st, script, depth + 1);
      return;
    case '*syntax.ForClause':
      for (const st of items(n.Do)) visit(st, script, depth + 1);
      return;
    case '*syntax.CaseClause':
      for (const item of items(n.Items)) for (const st of items(item.Stmts)) visit(st, script, depth + 1);
      return;
    case '*syntax.FuncDecl':
      visit(n.Body, script, depth + 1);
      return;
    case '*syntax.TimeClause':
    case '*syntax.CoprocClause':
      visit(n.Stmt, script, depth + 1);
      return;
    default:
      return;
  }
}

/** Commands inside `$(…)` and backquotes run too. */
function visitSubstitutions(part: GoNode, script: RawScript, depth: number): void {
  const t = typeOf(part);
  if (t === '*syntax.CmdSubst') for (const st of items(part.Stmts)) visit(st, script, depth + 1);
  else if (t === '*syntax.DblQuoted') for (const p of items(part.Parts)) visitSubstitutions(p, script, depth + 1);
}

// mvdan/sh's token numbers for `|` and `|&` (BinCmdOperator).
const PIPE = 12;
const PIPE_ALL = 13;

/** Commands that run the rest of their words as a command: look through them. */
const WRAPPERS = new Set(['sudo', 'nohup', 'time', 'exec', 'command', 'eval', 'xargs', 'env', 'doas', 'gosu', 'su-exec', 'chroot']);

function pushCommand(out: ShellCommand[], words: ShellWord[]): void {
  if (words.length === 0) return;
  const first = words[0]!;
  const name = first.known ? baseName(first.text) : '';
  out.push({ name, args: words.slice(1) });
  if (WRAPPERS.has(name)) {
    let i = 1;
    // Skip the wrapper's own options and `env`'s NAME=value words.
    while (i < words.length && words[i]!.known && (words[i]!.text.startsWith('-') || (name === 'env' && words[i]!.text.includes('=')))) i++;
    if ((name === 'gosu' || name === 'su-exec' || name === 'chroot') && i < words.length) i++;
    if (i < words.length) pushCommand(out, words.slice(i));
  }
}

function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash >= 0 ? path.slice(slash + 1) : path;
}

function rawWord(word: GoNode): RawPart[] {
  const out: RawPart[] = [];
  for (const part of items(word.Parts)) rawPart(part, out, false);
  return out;
}

function rawPart(part: GoNode, out: RawPart[], quoted: boolean): void {
  switch (typeOf(part)) {
    case '*syntax.Lit': {
      const value = part.Value as string;
      out.push({ lit: quoted ? value : unescape(value) });
      return;
    }
    case '*syntax.SglQuoted':
      out.push({ lit: part.Value as string });
      return;
    case '*syntax.DblQuoted':
      for (const p of items(part.Parts)) rawPart(p, out, true);
      return;
    case '*syntax.ParamExp': {
      const param = part.Param as GoNode | null;
      const name = param && typeOf(param) === '*syntax.Lit' ? (param.Value as string) : undefined;
      const plain = isNil(part.Exp) && isNil(part.Slice) && isNil(part.Repl) && isNil(part.Index) && !part.Length && !part.Excl && !part.Width;
      out.push(plain && name !== undefined ? { param: name } : { opaque: true });
      return;
    }
    default:
      out.push({ opaque: true });
  }
}

/** A Go nil pointer (its type's `nil` value) or nil interface (an object with no `$val`), as GopherJS represents them. */
function isNil(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v !== 'object') return false;
  const o = v as { constructor?: { nil?: unknown }; $val?: unknown };
  return o === o.constructor?.nil || o.$val === undefined;
}

function unescape(lit: string): string {
  return lit.includes('\\') ? lit.replace(/\\(.)/gs, '$1') : lit;
}
