// Splitting argument text into words the way BuildKit's parser does before any expansion:
// words end at unquoted whitespace, and quotes and escapes stay in the word as written.

export interface RawWord {
  value: string;
  /** Index of the word's first character in the text, and one past its last. */
  start: number;
  end: number;
}

export function isSpaceCode(c: number): boolean {
  if (c < 0x85) return c === 32 || (c >= 9 && c <= 13);
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** The `[\t\v\f\r ]` set BuildKit splits FROM, EXPOSE, COPY… arguments on. */
export function isAsciiBlankCode(c: number): boolean {
  return c <= 32 && (c === 32 || c === 9 || c === 11 || c === 12 || c === 13);
}

/** Words separated by unquoted Unicode whitespace, quotes and escapes kept (BuildKit's parseWords). */
export function splitRawWords(text: string, escape: string): RawWord[] {
  const bounds: number[] = [];
  const n = rawWordBounds(text, escape, bounds);
  const words: RawWord[] = [];
  for (let k = 0; k < n; k++) {
    const start = bounds[2 * k]!;
    const end = bounds[2 * k + 1]!;
    words.push({ value: text.slice(start, end), start, end });
  }
  return words;
}

/**
 * splitRawWords without making the words: the start and end of word k go to out[2k] and
 * out[2k + 1] (what `out` held after those is left as it was). Returns how many words there are.
 */
export function rawWordBounds(text: string, escape: string, out: number[]): number {
  let count = 0;
  const esc = escape.charCodeAt(0);
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isSpaceCode(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    let quote = 0;
    let dropLast = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      // Most characters are none of blank, quote or escape: `"` is 34, `'` 39, the first non-ASCII blank 0x85.
      if (c > 39 && c < 0x85 && c !== esc) {
        i++;
        continue;
      }
      if (quote === 0) {
        if (isSpaceCode(c)) break;
        if (c === esc) {
          if (i + 1 >= n) {
            dropLast = true; // a lone escape at the very end is dropped
            i++;
            break;
          }
          i += 2;
          continue;
        }
        if (c === 39 || c === 34) quote = c;
        i++;
      } else {
        if (c === esc && quote === 34 && i + 1 < n) {
          i += 2;
          continue;
        }
        if (c === quote) quote = 0;
        i++;
      }
    }
    const end = dropLast ? i - 1 : i;
    if (end > start) {
      out[2 * count] = start;
      out[2 * count + 1] = end;
      count++;
    }
  }
  return count;
}

/** Splits on the first run of `[\t\v\f\r ]`: BuildKit's split of a keyword from its arguments. */
export function splitOnceOnBlank(text: string): [string, string, number] {
  let i = 0;
  while (i < text.length && !isAsciiBlankCode(text.charCodeAt(i))) i++;
  const head = text.slice(0, i);
  while (i < text.length && isAsciiBlankCode(text.charCodeAt(i))) i++;
  return [head, text.slice(i), i];
}
