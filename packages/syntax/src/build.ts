// CST → AST. Each instruction's tokens are joined into its logical line; the keyword decides
// how the arguments split, exactly as BuildKit's parser splits them, and every piece keeps the
// range of the source characters it came from.
import type {
  ArgDeclaration, Comment, CommandLine, Diagnostic, Directive, Dockerfile, Flag, Heredoc, Instruction,
  InstructionName, KeyValue, Range, TopLevel, Word,
} from './ast.js';
import { INSTRUCTION_NAMES } from './ast.js';
import { diagnostic } from './diagnostics.js';
import { looksLikeDirective, scanDirectives, type ScannedDirective } from './directives.js';
import { heredocMarkersOfLine, splitLine, type LineFlag } from './instruction-line.js';
import { parseJsonArray } from './json-array.js';
import { joinStream, sourceEndAt, sourceOffsetAt, type LogicalLine } from './logical-line.js';
import { checkStream } from './parser.js';
import { LineMap } from './positions.js';
import { Kind, tokenStream, type TokenStream } from './tokens.js';
import { isAsciiBlankCode, isSpaceCode, rawWordBounds } from './words.js';
import { checkInstruction } from './validate.js';

const MAX_LINE_BYTES = 65535;

/** What the builder needs while it works on one file. */
export interface BuildContext {
  text: string;
  lines: LineMap;
  escape: '\\' | '`';
  diagnostics: Diagnostic[];
  /** The logical line of the instruction being built, and where in it the instruction starts. */
  logical: LogicalLine;
  from: number;
  /** The range range() made last, of [lastStart, lastEnd) in the logical line: words often share one. */
  lastStart: number;
  lastEnd: number;
  lastRange: Range | undefined;
  /** The first `<<` in the text at or after where mayHoldMarker looked last (the text's length if none). */
  nextMarker: number;
}

const NO_LINE: LogicalLine = { text: '', pieceCount: 0, pieceStarts: [], pieceSources: [] };

export function buildDockerfile(text: string): { ast: Dockerfile; diagnostics: Diagnostic[] } {
  const scan = scanDirectives(text);
  const lines = new LineMap(text);
  const ctx: BuildContext = {
    text, lines, escape: scan.escape, diagnostics: [], logical: NO_LINE, from: 0, lastStart: -1, lastEnd: -1, lastRange: undefined, nextMarker: -1,
  };
  for (const p of scan.problems) ctx.diagnostics.push(diagnostic(p.code, p.message, lines.range(p.start, p.end)));

  const stream = tokenStream(text, scan.escape, lines.starts);
  for (const e of stream.errors) {
    ctx.diagnostics.push(diagnostic('DF001', `unexpected character: ${e.message}`, lines.range(e.offset, e.offset + e.length)));
  }
  for (const e of checkStream(text, stream)) {
    const start = Number.isFinite(e.token.startOffset) ? e.token.startOffset : text.length;
    ctx.diagnostics.push(diagnostic('DF001', `syntax error: ${e.message}`, lines.range(start, start)));
  }

  const { kinds, starts, ends, count } = stream;
  // Directives come first, in order: the next one is the only one a comment can be.
  const scanned = scan.directives;
  let nextDirective = 0;
  const children: TopLevel[] = [];
  const directives: Directive[] = [];
  const instructions: Instruction[] = [];
  // A run of blank tokens (whitespace, newlines) becomes one blank node.
  let blankStart = -1;
  let blankEnd = -1;

  // The token stream has the grammar's shape: trivia, comments, and instructions that run
  // from their head to their line end and heredoc bodies.
  let i = 0;
  while (i < count) {
    const kind = kinds[i]!;
    if (kind === Kind.Whitespace || kind === Kind.Newline) {
      if (blankStart < 0) blankStart = starts[i]!;
      blankEnd = ends[i]!;
      i++;
      continue;
    }
    if (blankStart >= 0) {
      children.push({ kind: 'blank', range: lines.range(blankStart, blankEnd), text: text.slice(blankStart, blankEnd) });
      blankStart = -1;
    }
    if (kind === Kind.Bom) {
      children.push({ kind: 'bom', range: lines.range(0, 1), text: text.slice(starts[i]!, ends[i]!) });
      i++;
    } else if (kind === Kind.Comment) {
      const start = starts[i]!;
      while (nextDirective < scanned.length && scanned[nextDirective]!.hashOffset < start) nextDirective++;
      const directive = scanned[nextDirective]?.hashOffset === start ? scanned[nextDirective] : undefined;
      if (directive) {
        const node = directiveNode(ctx, directive, start, ends[i]!);
        directives.push(node);
        children.push(node);
      } else {
        const node = commentNode(ctx, start, ends[i]!);
        const name = node.value.includes('=') ? looksLikeDirective(withoutLineEnd(node.text)) : undefined;
        if (name) {
          ctx.diagnostics.push(
            diagnostic('DF013', `parser directive "${name}" is ignored here: directives must come first in the file, before any comment, blank line or instruction`, node.range),
          );
        }
        children.push(node);
      }
      i++;
    } else {
      let end = i + 1;
      while (end < count && isInstructionBody(kinds[end]!)) {
        if (kinds[end] === Kind.InstructionEnd) {
          end++;
          while (end < count && kinds[end] === Kind.HeredocBody) end++;
          break;
        }
        end++;
      }
      const node = instructionNode(ctx, stream, i, end);
      instructions.push(node);
      children.push(node);
      i = end;
    }
  }
  if (blankStart >= 0) children.push({ kind: 'blank', range: lines.range(blankStart, blankEnd), text: text.slice(blankStart, blankEnd) });

  if (instructions.length === 0) {
    ctx.diagnostics.push(diagnostic('DF014', 'file with no instructions', lines.range(0, 0)));
  }
  checkLineLengths(ctx);

  const ast: Dockerfile = {
    kind: 'dockerfile',
    range: lines.range(0, text.length),
    escapeChar: scan.escape,
    bom: text.charCodeAt(0) === 0xfeff,
    children,
    directives,
    instructions,
  };
  ctx.diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset);
  return { ast, diagnostics: ctx.diagnostics };
}

function directiveNode(ctx: BuildContext, d: ScannedDirective, start: number, end: number): Directive {
  return {
    kind: 'directive',
    range: ctx.lines.range(start, d.lineEnd),
    text: ctx.text.slice(start, end),
    name: d.name,
    value: d.value,
    nameRange: ctx.lines.range(d.nameStart, d.nameEnd),
    valueRange: ctx.lines.range(d.valueStart, d.valueEnd),
  };
}

/** The comment line text[start, end), which may carry the line's CRs and newline. */
function commentNode(ctx: BuildContext, start: number, tokenEnd: number): Comment {
  const { text } = ctx;
  const hash = text.indexOf('#', start);
  let end = tokenEnd;
  while (end > hash && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
  // The value is what follows the #, trimmed as String.prototype.trim trims.
  let valueStart = hash + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isTrimmedByTrim(text.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isTrimmedByTrim(text.charCodeAt(valueEnd - 1))) valueEnd--;
  return {
    kind: 'comment',
    range: ctx.lines.range(hash, end),
    text: text.slice(start, tokenEnd),
    value: text.slice(valueStart, valueEnd),
  };
}

/** JavaScript's white space and line terminators: what String.prototype.trim removes. */
function isTrimmedByTrim(c: number): boolean {
  if (c < 0xa0) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** A comment token's text without its newline and the CRs before it. */
function withoutLineEnd(image: string): string {
  let end = image.length;
  if (image.charCodeAt(end - 1) === 10) end--;
  while (end > 0 && image.charCodeAt(end - 1) === 13) end--;
  return end === image.length ? image : image.slice(0, end);
}

function checkLineLengths(ctx: BuildContext): void {
  const { text, lines } = ctx;
  if (text.length * 3 <= MAX_LINE_BYTES) return; // no line this short can be too long (see below)
  for (let line = 1; line <= lines.lineCount; line++) {
    const start = lines.lineStart(line);
    const end = line < lines.lineCount ? lines.lineStart(line + 1) : text.length;
    // Only long lines can be too long in bytes: a UTF-16 unit is at most 3 UTF-8 bytes.
    if ((end - start) * 3 <= MAX_LINE_BYTES) continue;
    if (Buffer.byteLength(text.slice(start, end)) > MAX_LINE_BYTES + 1) {
      ctx.diagnostics.push(diagnostic('DF015', `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`, lines.range(start, start)));
    }
  }
}

// --- instructions --------------------------------------------------------------------------

/** Tokens that continue an instruction after its head. */
function isInstructionBody(k: number): boolean {
  return k === Kind.Text || k === Kind.Escape || k === Kind.Continuation || k === Kind.ContinuationComment || k === Kind.EmptyContinuationLine || k === Kind.InstructionEnd;
}

/** The escape character and the blanks after it: what the continuation text[start, end) adds to the line. */
function continuationRange(ctx: BuildContext, start: number, end: number): Range {
  while (end > start + 1 && (ctx.text.charCodeAt(end - 1) === 10 || ctx.text.charCodeAt(end - 1) === 13)) end--;
  return ctx.lines.range(start, end);
}

/** The instruction made of the tokens [from, to). */
function instructionNode(ctx: BuildContext, stream: TokenStream, from: number, to: number): Instruction {
  const { lines, text } = ctx;
  const { kinds, starts, ends } = stream;
  let lineEnd = to;
  while (lineEnd > from && (kinds[lineEnd - 1] === Kind.HeredocBody || kinds[lineEnd - 1] === Kind.InstructionEnd)) lineEnd--;
  const logical = joinStream(text, stream, from, lineEnd);
  const continuations: Range[] = [];
  const comments: Comment[] = [];
  const emptyLines: Range[] = [];
  // Heredoc bodies: the tokens [bodies, to), after the line end.
  let bodies = to;
  if (kinds[from] === Kind.LineContinuation) continuations.push(continuationRange(ctx, starts[from]!, ends[from]!));
  for (let k = from + 1; k < to; k++) {
    const kind = kinds[k];
    if (kind === Kind.Text || kind === Kind.Escape || kind === Kind.InstructionEnd) continue;
    if (kind === Kind.Continuation) continuations.push(continuationRange(ctx, starts[k]!, ends[k]!));
    else if (kind === Kind.ContinuationComment) comments.push(commentNode(ctx, starts[k]!, ends[k]!));
    else if (kind === Kind.EmptyContinuationLine) emptyLines.push(lines.range(starts[k]!, ends[k]!));
    else if (kind === Kind.HeredocBody && bodies === to) bodies = k;
  }
  const first = starts[from]!;
  const last = ends[to - 1]!;
  let endOffset = last;
  while (endOffset > first && (text.charCodeAt(endOffset - 1) === 10 || text.charCodeAt(endOffset - 1) === 13)) endOffset--;

  const node = instructionFromLine(ctx, logical, 0, logical.text.length, lines.range(first, endOffset), text.slice(first, last), continuations, comments, emptyLines);
  if (emptyLines.length > 0) {
    ctx.diagnostics.push(
      diagnostic('DF010', 'empty continuation lines will become errors in a future release', emptyLines[0]!, {
        title: 'Remove empty continuation lines',
        edits: emptyLines.map((range) => ({ range, newText: '' })),
      }),
    );
  }
  attachHeredocs(ctx, node, logical, stream, bodies, to);
  return node;
}

/**
 * Builds an instruction from logical[from, to): the whole line, or ONBUILD's trigger. Where it
 * sits in the source (its range, text, continuations and the lines they skip) comes from the
 * caller; a trigger has no range of its own but its keyword's to the line end.
 */
function instructionFromLine(
  ctx: BuildContext, logical: LogicalLine, from: number, to: number,
  placeRange: Range | undefined, placeText: string, continuations: Range[], comments: Comment[], emptyLines: Range[],
): Instruction {
  // A line of one piece is read in the source, where it is.
  const onePiece = logical.pieceCount === 1;
  const text = onePiece ? ctx.text : logical.text;
  const base = onePiece ? logical.pieceSources[0]! + from : from;
  const parts = splitLine(text, base, base + to - from);
  const { keyword, keywordStart, keywordEnd, flags, args, argsStart: at } = parts;
  ctx.logical = logical;
  ctx.from = from;
  ctx.lastStart = -1;
  // Most keywords are written in upper case: splitLine knows those.
  let name = parts.name;
  if (name === undefined) {
    const upper = keyword.toUpperCase();
    if (INSTRUCTION_SET.has(upper)) name = upper as InstructionName;
  }

  // One literal with every kind's fields (undefined where a kind has none; JSON leaves them out),
  // in an order that keeps each kind's fields in its own order: all instructions share one
  // shape, so the rules, the model and the planner read them without megamorphic lookups and
  // without deoptimizing on a kind they had not seen yet (object spread here made parsing
  // several times slower).
  const node = {
    kind: 'instruction',
    name,
    range: placeRange ?? range(ctx, keywordStart, to - from),
    text: placeText,
    keyword,
    keywordRange: range(ctx, keywordStart, keywordEnd),
    flags: flagNodes(ctx, text, base, flags),
    args: args ? word(ctx, args, at) : undefined,
    argNodes: undefined as unknown as Word[], // set below: most kinds make their own list
    continuations,
    comments,
    emptyContinuationLines: emptyLines,
    heredocs: [] as Heredoc[],
    image: undefined,
    asKeyword: undefined,
    stageName: undefined,
    form: undefined,
    items: undefined,
    sources: undefined,
    destination: undefined,
    value: undefined,
    type: undefined,
    command: undefined,
    legacy: undefined,
    pairs: undefined,
    declarations: undefined,
    trigger: undefined,
  } as Instruction;
  const fields = node as unknown as Record<string, unknown>;

  switch (node.name) {
    case 'FROM': {
      const items = splitBlank(ctx, args, at);
      const hasAs = items.length >= 3 && items[1]!.value.toLowerCase() === 'as';
      node.argNodes = items;
      fields['image'] = items[0];
      fields['asKeyword'] = hasAs ? items[1] : undefined;
      fields['stageName'] = hasAs ? items[2] : undefined;
      break;
    }
    case 'EXPOSE':
      node.argNodes = splitBlank(ctx, args, at);
      fields['form'] = args ? 'shell' : undefined;
      fields['items'] = node.argNodes;
      break;
    case 'MAINTAINER':
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL': {
      const value = args ? word(ctx, args, at) : undefined;
      if (value) node.argNodes = [value];
      fields['value'] = value;
      break;
    }
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
    case 'SHELL': {
      const command = commandLine(ctx, args, at, node.name);
      node.argNodes = commandNodes(command);
      fields['command'] = command;
      break;
    }
    case 'ADD':
    case 'COPY':
    case 'VOLUME': {
      const list = listArgs(ctx, args, at, node.name);
      node.argNodes = list.items;
      fields['form'] = list.form;
      if (node.name === 'VOLUME') fields['items'] = list.items;
      else {
        fields['sources'] = list.items.slice(0, -1);
        fields['destination'] = list.items.length > 1 ? list.items[list.items.length - 1] : undefined;
      }
      break;
    }
    case 'ENV':
    case 'LABEL': {
      const kv = keyValues(ctx, args, at, node.name);
      node.argNodes = kv.nodes;
      fields['legacy'] = kv.legacy;
      fields['pairs'] = kv.pairs;
      break;
    }
    case 'ARG': {
      const declarations: ArgDeclaration[] = [];
      node.argNodes = [];
      const count = rawWordBounds(args, ctx.escape, WORDS);
      for (let k = 0; k < count; k++) {
        const start = WORDS[2 * k]!;
        const end = WORDS[2 * k + 1]!;
        const text = args.slice(start, end);
        node.argNodes.push(word(ctx, text, at + start));
        const eq = text.indexOf('=');
        declarations.push({
          range: range(ctx, at + start, at + end),
          name: word(ctx, eq < 0 ? text : args.slice(start, start + eq), at + start),
          value: eq < 0 ? undefined : word(ctx, args.slice(start + eq + 1, end), at + start + eq + 1),
        });
      }
      fields['declarations'] = declarations;
      break;
    }
    case 'HEALTHCHECK': {
      let sep = 0;
      while (sep < args.length && !isSpaceCode(args.charCodeAt(sep))) sep++;
      let next = sep;
      while (next < args.length && isSpaceCode(args.charCodeAt(next))) next++;
      const type = sep > 0 ? word(ctx, args.slice(0, sep), at) : undefined;
      const command = type ? commandLine(ctx, args.slice(next), at + next, node.name) : undefined;
      if (type) node.argNodes = [type, ...commandNodes(command)];
      fields['type'] = type;
      fields['command'] = command;
      break;
    }
    case 'ONBUILD': {
      const trigger = args
        ? instructionFromLine(ctx, logical, from + at, from + at + args.length, undefined, args, [], [], [])
        : undefined;
      ctx.from = from;
      fields['trigger'] = trigger;
      break;
    }
    case undefined:
      node.argNodes = [word(ctx, '', at)];
      break;
  }
  node.argNodes ??= [];
  checkInstruction(ctx, node);
  return node;
}

const INSTRUCTION_SET: ReadonlySet<string> = new Set(INSTRUCTION_NAMES);

// Word bounds (rawWordBounds) of the ARG, ENV or LABEL being built.
const WORDS: number[] = [];

function rangeOf(ctx: BuildContext, logical: LogicalLine, start: number, end: number): Range {
  if (logical.pieceCount === 1) {
    const source = logical.pieceSources[0]!;
    return ctx.lines.range(source + start, end > start ? source + end : source + start);
  }
  const s = sourceOffsetAt(logical, start);
  const e = end > start ? sourceEndAt(logical, end) : s;
  return ctx.lines.range(s, e);
}

/**
 * The source range of [start, end) in the line being built (indices from ctx.from). Ranges are
 * immutable: the arguments, a command line and its text, or an ARG's word, declaration and name,
 * share one.
 */
function range(ctx: BuildContext, start: number, end: number): Range {
  const s = ctx.from + start;
  const e = ctx.from + end;
  if (s === ctx.lastStart && e === ctx.lastEnd) return ctx.lastRange!;
  const r = rangeOf(ctx, ctx.logical, s, e);
  ctx.lastStart = s;
  ctx.lastEnd = e;
  ctx.lastRange = r;
  return r;
}

/** A word whose text starts at `start` in the line being built. */
function word(ctx: BuildContext, value: string, start: number): Word {
  return { value, range: range(ctx, start, start + value.length) };
}

/** The flags of the line being built, which is text[base…]. */
function flagNodes(ctx: BuildContext, text: string, base: number, flags: readonly LineFlag[]): Flag[] {
  const nodes: Flag[] = [];
  for (const f of flags) {
    const word = f.text;
    const eq = word.indexOf('=', 2);
    // The `=` as written: the name's range ends there, the value's starts after it.
    let rawEq = text.indexOf('=', base + f.start);
    rawEq = rawEq < 0 || rawEq >= base + f.end ? -1 : rawEq - base;
    nodes.push({
      kind: 'flag',
      range: range(ctx, f.start, f.end),
      text: word,
      name: eq < 0 ? word.slice(2) : word.slice(2, eq),
      nameRange: range(ctx, f.start, rawEq < 0 ? f.end : rawEq),
      value: eq < 0 ? undefined : word.slice(eq + 1),
      valueRange: eq < 0 || rawEq < 0 ? undefined : range(ctx, rawEq + 1, f.end),
    });
  }
  return nodes;
}

/** Words separated by runs of `[\t\v\f\r ]` (FROM, EXPOSE, and COPY/ADD/VOLUME in shell form). */
function splitBlank(ctx: BuildContext, args: string, at: number): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < args.length) {
    const start = i;
    while (i < args.length && !isAsciiBlankCode(args.charCodeAt(i))) i++;
    if (i > start) out.push(word(ctx, args.slice(start, i), at + start));
    while (i < args.length && isAsciiBlankCode(args.charCodeAt(i))) i++;
  }
  return out;
}

function commandNodes(command: CommandLine | undefined): Word[] {
  if (!command) return [];
  return command.form === 'exec' ? command.items : [command.text];
}

/** Heuristic for a failed attempt at the exec form, as opposed to `RUN [ -f x ]` shell tests. */
const looksLikeJson = /^\[\s*(?:"[^"]*"|'[^']*')\s*(?:,|\]\s*$)|^\[\s*"[^"]*$/;

function commandLine(ctx: BuildContext, args: string, at: number, name: string): CommandLine | undefined {
  if (!args) return undefined;
  if (args.startsWith('[')) {
    const json = parseJsonArray(args);
    if (json.kind === 'array') {
      return {
        form: 'exec',
        range: range(ctx, at, at + args.length),
        items: json.items.map((s) => ({ value: s.value, range: range(ctx, at + s.start, at + s.end) })),
      };
    }
    if (json.kind === 'not-strings') {
      ctx.diagnostics.push(diagnostic('DF005', `${name}: the JSON array must hold only strings`, range(ctx, at + json.at, at + json.at + 1)));
    } else if (looksLikeJson.test(args)) {
      ctx.diagnostics.push(
        diagnostic('DF006', `${name}: not valid JSON (${json.message}), so it runs as a shell command line`, range(ctx, at + json.at, at + Math.min(args.length, json.at + 1))),
      );
    }
  }
  return { form: 'shell', range: range(ctx, at, at + args.length), text: word(ctx, args, at) };
}

function listArgs(
  ctx: BuildContext, args: string, at: number, name: string,
): { form: 'exec' | 'shell' | undefined; items: Word[] } {
  if (!args) return { form: undefined, items: [] };
  if (args.startsWith('[')) {
    const command = commandLine(ctx, args, at, name);
    if (command?.form === 'exec') return { form: 'exec', items: command.items };
  }
  return { form: 'shell', items: splitBlank(ctx, args, at) };
}

/** Whether text[start, end) holds a `=`. */
function hasEquals(text: string, start: number, end: number): boolean {
  const eq = text.indexOf('=', start);
  return eq >= 0 && eq < end;
}

function keyValues(
  ctx: BuildContext, args: string, at: number, name: 'ENV' | 'LABEL',
): { legacy: boolean; pairs: KeyValue[]; nodes: Word[] } {
  const count = rawWordBounds(args, ctx.escape, WORDS);
  if (count === 0) return { legacy: false, pairs: [], nodes: [] };
  if (!hasEquals(args, WORDS[0]!, WORDS[1]!)) {
    let k = 0;
    while (k < args.length && !isAsciiBlankCode(args.charCodeAt(k))) k++;
    let v = k;
    while (v < args.length && isAsciiBlankCode(args.charCodeAt(v))) v++;
    const key = word(ctx, args.slice(0, k), at);
    const value = word(ctx, args.slice(v), at + v);
    if (v >= args.length) {
      ctx.diagnostics.push(diagnostic('DF008', `${name} must have two arguments: ${name} ${key.value}=<value>`, key.range));
    }
    return { legacy: true, pairs: [{ range: range(ctx, 0 + at, at + args.length), key, value }], nodes: [key, value, word(ctx, '', at + args.length)] };
  }
  const pairs: KeyValue[] = [];
  const nodes: Word[] = [];
  for (let k = 0; k < count; k++) {
    const start = WORDS[2 * k]!;
    const end = WORDS[2 * k + 1]!;
    let eq = args.indexOf('=', start);
    if (eq >= end) eq = -1;
    if (eq < 0) {
      ctx.diagnostics.push(
        diagnostic('DF009', `can't find = in "${args.slice(start, end)}": ${name} needs the form name=value`, range(ctx, at + start, at + end)),
      );
      continue;
    }
    const key = word(ctx, args.slice(start, eq), at + start);
    const value = word(ctx, args.slice(eq + 1, end), at + eq + 1);
    if (key.value === '') {
      ctx.diagnostics.push(diagnostic('DF008', `${name} names can not be blank`, range(ctx, at + start, at + end)));
    }
    pairs.push({ range: range(ctx, at + start, at + end), key, value });
    nodes.push(key, value, word(ctx, '=', at + eq));
  }
  return { legacy: false, pairs, nodes };
}

// --- heredocs ------------------------------------------------------------------------------

/** False when the line has no `<<`, so no heredocs (one search of the source for a line of one piece). */
function mayHoldMarker(ctx: BuildContext, logical: LogicalLine): boolean {
  if (logical.pieceCount !== 1) return true;
  const start = logical.pieceSources[0]!;
  if (ctx.nextMarker < start) {
    ctx.nextMarker = ctx.text.indexOf('<<', start);
    if (ctx.nextMarker < 0) ctx.nextMarker = ctx.text.length;
  }
  return ctx.nextMarker + 2 <= start + logical.text.length;
}

/** Attaches the heredoc bodies, tokens [bodies, to) of the stream, to the markers of the line. */
function attachHeredocs(ctx: BuildContext, node: Instruction, logical: LogicalLine, stream: TokenStream, bodies: number, to: number): void {
  const inner = node.name === 'ONBUILD' ? node.trigger : node;
  if (!inner || !mayHoldMarker(ctx, logical)) return;
  const markers = heredocMarkersOfLine(logical.text);
  if (markers.length === 0) return;
  const kind = inner.name;
  let b = 0;
  for (const marker of markers) {
    const markerRange = rangeOf(ctx, logical, marker.start, marker.end);
    if (marker.error) {
      ctx.diagnostics.push(diagnostic('DF020', marker.error, markerRange));
      continue;
    }
    const body = bodies + b;
    const payload = body < to ? stream.payloads?.get(body) : undefined;
    if (!payload || payload.marker.start !== marker.start) {
      ctx.diagnostics.push(diagnostic('DF007', `unterminated heredoc: no line "${marker.name}" ends it`, markerRange));
      continue;
    }
    b++;
    const start = stream.starts[body]!;
    let end = stream.ends[body]!;
    while (end > start && (ctx.text.charCodeAt(end - 1) === 10 || ctx.text.charCodeAt(end - 1) === 13)) end--;
    const heredoc: Heredoc = {
      kind: 'heredoc',
      range: ctx.lines.range(start, end),
      name: marker.name,
      content: ctx.text.slice(start, start + payload.bodyLength),
      contentRange: ctx.lines.range(start, start + payload.bodyLength),
      chomp: marker.chomp,
      expand: marker.expand,
      fileDescriptor: marker.fileDescriptor,
      markerRange,
    };
    node.heredocs.push(heredoc);
    if (inner !== node) inner.heredocs.push(heredoc);
  }
  if (kind === 'COPY' || kind === 'ADD') {
    const dest = (inner as { destination?: Word }).destination;
    if (dest && /^\d*<<-?[^<]/.test(dest.value)) {
      ctx.diagnostics.push(diagnostic('DF020', `${kind} cannot use a heredoc as its destination`, dest.range));
    }
  }
}
