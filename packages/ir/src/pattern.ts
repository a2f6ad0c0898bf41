// Shell patterns in `${VAR#p}`, `${VAR%p}` and `${VAR/p/r}`: `*`, `?` and `\` escapes, no
// `[...]` classes. BuildKit turns a pattern into a Go regular expression (`*` → `.*` or `.*?`,
// `?` → `.`); this module matches with the same leftmost-first semantics, in O(value × pattern)
// time, without building a RegExp per call.

/** The outcome of applying a pattern: the new value, or why the pattern is invalid. */
export type PatternOutcome = { ok: true; value: string } | { ok: false; message: string };

const LITERAL = 0;
const ANY = 1;
const STAR = 2;

interface Pattern {
  /** One entry per token: LITERAL, ANY or STAR. */
  kinds: number[];
  /** The code point of each LITERAL token. */
  codes: number[];
}

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function codePointsOf(text: string): number[] {
  const points: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    points.push(cp);
    if (cp > 0xffff) i++;
  }
  return points;
}

/** UTF-16 length of `points[from..to)`. */
function utf16Length(points: number[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += points[i]! > 0xffff ? 2 : 1;
  return n;
}

/**
 * Reverse a pattern for suffix matching, keeping each `\x` escape pair in order (as BuildKit's
 * reversePattern does: a trailing lone `\` ends up in front).
 */
function reversePattern(points: number[]): number[] {
  const out = new Array<number>(points.length);
  const last = points.length - 1;
  for (let i = 0; i <= last; ) {
    if (points[i] === BACKSLASH && i !== last) {
      out[last - i - 1] = BACKSLASH;
      out[last - i] = points[i + 1]!;
      i += 2;
    } else {
      out[last - i] = points[i]!;
      i++;
    }
  }
  return out;
}

function compile(points: number[]): Pattern | string {
  const kinds: number[] = [];
  const codes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const cp = points[i]!;
    if (cp === 0x2a /* * */) {
      kinds.push(STAR);
      codes.push(0);
    } else if (cp === 0x3f /* ? */) {
      kinds.push(ANY);
      codes.push(0);
    } else if (cp === BACKSLASH) {
      const next = points[i + 1];
      // `\}` and `\/` only protect the brace or slash from ending ${…}; the next token is literal.
      if (next === 0x7d || next === 0x2f) continue;
      if (next !== 0x2a && next !== 0x3f && next !== BACKSLASH) {
        const shown = next === undefined ? '' : String.fromCodePoint(next);
        return `invalid escape '\\${shown}': in a pattern only \\*, \\?, \\\\, \\} and \\/ are escapes`;
      }
      kinds.push(LITERAL);
      codes.push(next);
      i++;
    } else {
      kinds.push(LITERAL);
      codes.push(cp);
    }
  }
  return { kinds, codes };
}

/**
 * The first match of `pattern` in `text` at or after `from`, by leftmost-first priority (what
 * Go's regexp returns). Stars never cross a newline, like Go's `.`. A Pike VM: threads are kept
 * in priority order and a match cuts off every lower-priority thread.
 */
function search(
  pattern: Pattern,
  greedy: boolean,
  text: number[],
  from: number,
  anchored: boolean,
): [number, number] | undefined {
  const { kinds, codes } = pattern;
  const accept = kinds.length;
  const marks = new Int32Array(accept + 1).fill(-1);
  let generation = 0;

  let current: number[] = []; // pairs: state, start
  let next: number[] = [];

  const add = (list: number[], state: number, start: number): void => {
    if (marks[state] === generation) return;
    marks[state] = generation;
    if (state < accept && kinds[state] === STAR) {
      if (greedy) {
        list.push(state, start);
        add(list, state + 1, start);
      } else {
        add(list, state + 1, start);
        list.push(state, start);
      }
    } else {
      list.push(state, start);
    }
  };

  let match: [number, number] | undefined;
  for (let p = from; ; p++) {
    if (match === undefined && (!anchored || p === from)) add(current, 0, p);
    if (current.length === 0) break;
    generation++;
    next.length = 0;
    const c = p < text.length ? text[p]! : -1;
    for (let t = 0; t < current.length; t += 2) {
      const state = current[t]!;
      const start = current[t + 1]!;
      if (state === accept) {
        match = [start, p];
        break;
      }
      if (c < 0) continue;
      const kind = kinds[state];
      if (kind === LITERAL) {
        if (c === codes[state]) add(next, state + 1, start);
      } else if (c !== NEWLINE) {
        add(next, kind === ANY ? state + 1 : state, start);
      }
    }
    if (c < 0) break;
    const swap = current;
    current = next;
    next = swap;
  }
  return match;
}

/** `${VAR#p}` (shortest) and `${VAR##p}` (longest): remove a matching prefix. */
export function trimPrefix(value: string, source: string, longest: boolean): PatternOutcome {
  const pattern = compile(codePointsOf(source));
  if (typeof pattern === 'string') return { ok: false, message: pattern };
  const text = codePointsOf(value);
  const found = search(pattern, longest, text, 0, true);
  if (found === undefined) return { ok: true, value };
  return { ok: true, value: value.slice(utf16Length(text, 0, found[1])) };
}

/**
 * `${VAR%p}` (shortest) and `${VAR%%p}` (longest): remove a matching suffix. Like BuildKit, match
 * the reversed pattern against the reversed value, so the shortest suffix is a leftmost match.
 */
export function trimSuffix(value: string, source: string, longest: boolean): PatternOutcome {
  const pattern = compile(reversePattern(codePointsOf(source)));
  if (typeof pattern === 'string') return { ok: false, message: pattern };
  const text = codePointsOf(value).reverse();
  const found = search(pattern, longest, text, 0, true);
  if (found === undefined) return { ok: true, value };
  return { ok: true, value: value.slice(0, value.length - utf16Length(text, 0, found[1])) };
}

/**
 * `${VAR/p/r}` replaces the first match, `${VAR//p/r}` every match. Stars are greedy. As in
 * BuildKit (Go's ReplaceAllString), the replacement of `//` is a template: `$0` is the match,
 * `$$` a dollar, other group references are empty; `/` inserts the replacement as it is.
 */
export function replaceMatches(
  value: string,
  source: string,
  replacement: string,
  all: boolean,
): PatternOutcome {
  const pattern = compile(codePointsOf(source));
  if (typeof pattern === 'string') return { ok: false, message: pattern };
  const text = codePointsOf(value);
  // UTF-16 offset of every code point, plus the end.
  const offsets = new Array<number>(text.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < text.length; i++) offsets[i + 1] = offsets[i]! + (text[i]! > 0xffff ? 2 : 1);

  if (!all) {
    const found = search(pattern, true, text, 0, false);
    if (found === undefined) return { ok: true, value };
    return {
      ok: true,
      value: value.slice(0, offsets[found[0]]) + replacement + value.slice(offsets[found[1]]),
    };
  }

  let out = '';
  let lastEnd = 0;
  for (let from = 0; from <= text.length; ) {
    const found = search(pattern, true, text, from, false);
    if (found === undefined) break;
    const [start, end] = found;
    out += value.slice(offsets[lastEnd], offsets[start]);
    // An empty match right after the previous match is not replaced again (Go's rule).
    if (end > lastEnd || start === 0) {
      out += expandTemplate(replacement, value.slice(offsets[start], offsets[end]));
    }
    lastEnd = end;
    from = end > from ? end : from + 1;
  }
  return { ok: true, value: out + value.slice(offsets[lastEnd]) };
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

function isTemplateNameCode(cp: number): boolean {
  if (cp < 0x80) {
    return (
      (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f
    );
  }
  const ch = String.fromCodePoint(cp);
  return LETTER.test(ch) || DIGIT.test(ch);
}

/** Go's Regexp.Expand for a pattern with no groups: only `$0` / `${0}` (the match) and `$$` survive. */
function expandTemplate(template: string, matched: string): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  for (;;) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template.charCodeAt(i) === 0x24) {
      out += '$';
      i++;
      continue;
    }
    const brace = template.charCodeAt(i) === 0x7b;
    const nameStart = brace ? i + 1 : i;
    let j = nameStart;
    while (j < template.length) {
      const cp = template.codePointAt(j)!;
      if (!isTemplateNameCode(cp)) break;
      j += cp > 0xffff ? 2 : 1;
    }
    if (j === nameStart || (brace && template.charCodeAt(j) !== 0x7d)) {
      out += '$'; // malformed reference: the dollar is literal text
      continue;
    }
    if (template.slice(nameStart, j) === '0') out += matched;
    i = brace ? j + 1 : j;
  }
  return out + template.slice(i);
}
