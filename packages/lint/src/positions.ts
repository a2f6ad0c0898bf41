// Source positions for ranges lint makes itself (fix edits, a word inside an instruction).
import { rangeIn, type Dockerfile, type Position, type Range } from '@dfc/syntax';

/** Turns offsets into line/column positions (columns in UTF-16 units, from 1), as the AST counts them. */
export class LineIndex {
  private starts: number[] | undefined;
  /** With the parsed tree, ranges come from the parse's own line map (the text is not read again). */
  constructor(
    private readonly text: string,
    private readonly ast?: Dockerfile,
  ) {}

  position(offset: number): Position {
    const starts = (this.starts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    // A byte-order mark takes no column.
    const bom = lo === 0 && this.text.charCodeAt(0) === 0xfeff && offset > 0 ? 1 : 0;
    return { line: lo + 1, column: offset - starts[lo]! + 1 - bom, offset };
  }

  range(start: number, end: number): Range {
    return (this.ast && rangeIn(this.ast, start, end)) ?? { start: this.position(start), end: this.position(end) };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
