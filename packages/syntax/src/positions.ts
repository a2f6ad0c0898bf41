// Offsets to line/column positions. Lines and columns count from 1; a byte-order mark takes
// no column, so columns match what an editor shows.
import type { Position, Range } from './ast.js';

export class LineMap {
  private readonly starts: number[] = [0];
  private readonly bomLength: number;

  constructor(text: string) {
    this.bomLength = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      this.starts.push(nl + 1);
      nl = text.indexOf('\n', nl + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.starts[this.starts.length - 1]!;
  }

  position(offset: number): Position {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const column = offset - starts[lo]! + 1 - (lo === 0 && offset >= this.bomLength ? this.bomLength : 0);
    return { line: lo + 1, column, offset };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }
}
