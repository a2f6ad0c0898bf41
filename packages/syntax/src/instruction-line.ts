// The first cut of a logical line, as BuildKit makes it: the keyword, the `--flags`, and the
// argument text. Positions are indices into the logical line.
import { INSTRUCTION_NAMES, type InstructionName } from './ast.js';
import { findHeredocs, type HeredocMarker } from './heredoc.js';
import { parseJsonArray } from './json-array.js';
import { isAsciiBlankCode, isSpaceCode } from './words.js';

export interface LineFlag {
  /** The flag word with quotes and escapes removed, e.g. `--from=build`. */
  text: string;
  start: number;
  end: number;
}

export interface LineParts {
  keyword: string;
  /** The keyword when it is an instruction's name as BuildKit writes it (upper case). */
  name: InstructionName | undefined;
  keywordStart: number;
  keywordEnd: number;
  flags: LineFlag[];
  /** The `--` that ended flag reading, if any. */
  flagsEnd?: { start: number; end: number };
  /** The arguments with surrounding whitespace removed, and where they start. */
  args: string;
  argsStart: number;
}

// Most lines have no flags: they share this empty list (which no one adds to).
const NO_FLAGS: LineFlag[] = [];

export function splitLine(line: string): LineParts {
  let start = 0;
  let end = line.length;
  while (start < end && isSpaceCode(line.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(line.charCodeAt(end - 1))) end--;
  let k = start;
  while (k < end && !isAsciiBlankCode(line.charCodeAt(k))) k++;
  const name = instructionNameAt(line, start, k);
  const keyword = name ?? line.slice(start, k);
  let rest = k;
  while (rest < end && isAsciiBlankCode(line.charCodeAt(rest))) rest++;
  const parts: LineParts = { keyword, name, keywordStart: start, keywordEnd: k, flags: NO_FLAGS, args: '', argsStart: end };
  if (rest >= end) return parts;
  const argsAt = extractFlags(line, rest, end, parts);
  let a = argsAt;
  while (a < end && isSpaceCode(line.charCodeAt(a))) a++;
  parts.args = line.slice(a, end);
  parts.argsStart = a;
  return parts;
}

// Instruction names by their first letter.
const NAMES_BY_INITIAL: (InstructionName[] | undefined)[] = [];
for (const name of INSTRUCTION_NAMES) (NAMES_BY_INITIAL[name.charCodeAt(0)] ??= []).push(name);

/** The instruction name line[start, end) spells, in upper case (the usual way), if any. */
function instructionNameAt(line: string, start: number, end: number): InstructionName | undefined {
  const names = NAMES_BY_INITIAL[line.charCodeAt(start)];
  if (!names) return undefined;
  for (const name of names) {
    if (name.length !== end - start) continue;
    let i = 1;
    while (i < name.length && line.charCodeAt(start + i) === name.charCodeAt(i)) i++;
    if (i === name.length) return name;
  }
  return undefined;
}

/** Reads `--flag` words from `from`; returns where the arguments begin. */
function extractFlags(line: string, from: number, end: number, parts: LineParts): number {
  let pos = from;
  for (;;) {
    while (pos < end && isSpaceCode(line.charCodeAt(pos))) pos++;
    if (pos >= end) return end;
    if (line[pos] !== '-' || line[pos + 1] !== '-') return pos;
    const wordStart = pos;
    // Up to the first quote or escape the word is as written.
    for (;;) {
      const c = line.charCodeAt(pos);
      if (pos >= end || c === 39 || c === 34 || c === 92 || isSpaceCode(c)) break;
      pos++;
    }
    let word = line.slice(wordStart, pos);
    let quote = '';
    let blankOK = false;
    while (pos < end) {
      const ch = line[pos]!;
      if (quote) {
        if (ch === quote) quote = '';
        else if (ch === '\\') {
          if (pos + 1 < end) word += line[++pos];
        } else word += ch;
        pos++;
        continue;
      }
      if (isSpaceCode(ch.charCodeAt(0))) break;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
      } else if (ch === '\\') {
        if (pos + 1 < end) word += line[++pos];
      } else word += ch;
      pos++;
    }
    if (word === '--') {
      parts.flagsEnd = { start: wordStart, end: pos };
      return pos;
    }
    if (blankOK || word.length > 0) {
      if (parts.flags === NO_FLAGS) parts.flags = [];
      parts.flags.push({ text: word, start: wordStart, end: pos });
    }
  }
}

/** Instructions whose shell form may carry heredocs. */
const HEREDOC_KEYWORDS = new Set(['run', 'copy', 'add']);

/** Heredoc markers of a logical line, or none when its instruction cannot have heredocs. */
export function heredocMarkersOfLine(line: string): HeredocMarker[] {
  if (!line.includes('<<')) return [];
  let parts = splitLine(line);
  let keyword = parts.keyword.toLowerCase();
  if (keyword === 'onbuild') {
    const inner = splitLine(parts.args);
    keyword = inner.keyword.toLowerCase();
    parts = inner;
  }
  if (!HEREDOC_KEYWORDS.has(keyword)) return [];
  if (parts.args.startsWith('[') && parseJsonArray(parts.args).kind !== 'invalid') return [];
  return findHeredocs(line);
}
