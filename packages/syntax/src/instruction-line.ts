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
  flagsEnd: { start: number; end: number } | undefined;
  /** The arguments with surrounding whitespace removed, and where they start. */
  args: string;
  argsStart: number;
}

// Most lines have no flags: they share this empty list (which no one adds to).
const NO_FLAGS: LineFlag[] = [];

// splitLine's answer, made again at each call.
const shared: LineParts = {
  keyword: '', name: undefined, keywordStart: 0, keywordEnd: 0, flags: NO_FLAGS, flagsEnd: undefined, args: '', argsStart: 0,
};

/**
 * Splits the line text[from, to) (all of `text` by default); positions in the answer count from
 * `from`. A line of the source is read in place, without a copy of it to read. The answer is
 * valid until the next call.
 */
export function splitLine(text: string, from = 0, to = text.length): LineParts {
  let start = from;
  let end = to;
  while (start < end && isSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(text.charCodeAt(end - 1))) end--;
  // The keyword runs to the first blank: an instruction name written out in full, or any word.
  const name = instructionNameAt(text, start, end);
  let k = start;
  if (name !== undefined) k += name.length;
  else while (k < end && !isAsciiBlankCode(text.charCodeAt(k))) k++;
  const parts = shared;
  parts.keyword = name ?? text.slice(start, k);
  parts.name = name;
  parts.keywordStart = start - from;
  parts.keywordEnd = k - from;
  parts.flags = NO_FLAGS;
  parts.flagsEnd = undefined;
  parts.args = '';
  parts.argsStart = end - from;
  let rest = k;
  while (rest < end && isAsciiBlankCode(text.charCodeAt(rest))) rest++;
  if (rest >= end) return parts;
  const argsAt = extractFlags(text, rest, end, parts, from);
  let a = argsAt;
  while (a < end && isSpaceCode(text.charCodeAt(a))) a++;
  parts.args = text.slice(a, end);
  parts.argsStart = a - from;
  return parts;
}

// Instruction names by their first letter.
const NAMES_BY_INITIAL: (InstructionName[] | undefined)[] = [];
for (const name of INSTRUCTION_NAMES) (NAMES_BY_INITIAL[name.charCodeAt(0)] ??= []).push(name);

/**
 * The instruction name, in upper case (the usual way), that is the word at line[start…] up to a
 * blank or `end`, if any.
 */
function instructionNameAt(line: string, start: number, end: number): InstructionName | undefined {
  const names = NAMES_BY_INITIAL[line.charCodeAt(start)];
  if (!names) return undefined;
  for (const name of names) {
    const after = start + name.length;
    if (after > end || (after < end && !isAsciiBlankCode(line.charCodeAt(after)))) continue;
    let i = 1;
    while (i < name.length && line.charCodeAt(start + i) === name.charCodeAt(i)) i++;
    if (i === name.length) return name;
  }
  return undefined;
}

/** Reads `--flag` words from `at`; returns where the arguments begin. (Flags' positions count from `from`.) */
function extractFlags(line: string, at: number, end: number, parts: LineParts, from: number): number {
  let pos = at;
  for (;;) {
    while (pos < end && isSpaceCode(line.charCodeAt(pos))) pos++;
    if (pos >= end) return end;
    if (pos + 1 >= end || line.charCodeAt(pos) !== 45 || line.charCodeAt(pos + 1) !== 45) return pos; // --
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
      parts.flagsEnd = { start: wordStart - from, end: pos - from };
      return pos;
    }
    if (blankOK || word.length > 0) {
      if (parts.flags === NO_FLAGS) parts.flags = [];
      parts.flags.push({ text: word, start: wordStart - from, end: pos - from });
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
