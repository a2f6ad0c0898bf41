// Source ranges for the parts of a word, so an error points at the `${` that failed.
import type { Range, Word } from '@dfc/syntax';
import { plainRange } from './diagnostics.js';

/**
 * The range of `[offset, end)` in a word's value. Exact when the value is the source text as
 * written on one line; otherwise (JSON strings, continuation lines) the whole word.
 */
export function wordRange(word: Word, part: { offset: number; end: number }): Range {
  const r = word.range;
  const oneLine = r.start.line === r.end.line && r.end.offset - r.start.offset === word.value.length;
  if (!oneLine) return plainRange(r);
  const at = (o: number) => ({ line: r.start.line, column: r.start.column + o, offset: r.start.offset + o });
  return { start: at(part.offset), end: at(Math.max(part.end, part.offset + 1)) };
}
