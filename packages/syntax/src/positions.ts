// Offsets to line/column positions. Lines and columns count from 1; a byte-order mark takes
// no column, so columns match what an editor shows.
import type { Dockerfile, Position, Range } from './ast.js';

// lineStartsOf's list as it grows: the answer is a copy of exactly its length, and a list
// grown by pushing would leave a copy behind at each doubling.
const scratch: number[] = [0];

/** The offset of the first character of each line. */
export function lineStartsOf(text: string): number[] {
  let count = 1;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) scratch[count++] = nl + 1;
  const starts = scratch.slice(0, count);
  if (scratch.length > 1 << 16) scratch.length = 1;
  return starts;
}

export class LineMap {
  /** The offset of each line's first character. */
  readonly starts: readonly number[];
  private readonly bomLength: number;

  constructor(text: string) {
    this.bomLength = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.starts = lineStartsOf(text);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.starts[this.starts.length - 1]!;
  }

  // The builder asks in nearly increasing order: start from the line of the last answer.
  private hint = 0;

  position(offset: number): Position {
    const starts = this.starts;
    let lo = this.hint;
    if (starts[lo]! <= offset && (lo + 1 >= starts.length || starts[lo + 1]! > offset)) {
      return this.at(lo, offset);
    }
    if (lo + 2 < starts.length && starts[lo + 1]! <= offset && starts[lo + 2]! > offset) {
      this.hint = lo + 1;
      return this.at(lo + 1, offset);
    }
    lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.hint = lo;
    return this.at(lo, offset);
  }

  private at(line: number, offset: number): Position {
    const column = offset - this.starts[line]! + 1 - (line === 0 && offset >= this.bomLength ? this.bomLength : 0);
    return { line: line + 1, column, offset };
  }

  range(start: number, end: number): Range {
    return new SourceRange(this, start, end);
  }
}

/**
 * A range that works out its line and column when asked: a parse makes hundreds of thousands
 * of ranges and reads few. Serializes (JSON) as a plain `{start, end}`.
 */
export class SourceRange implements Range {
  readonly #lines: LineMap;
  readonly #start: number;
  readonly #end: number;

  constructor(lines: LineMap, start: number, end: number) {
    this.#lines = lines;
    this.#start = start;
    this.#end = end;
  }

  get start(): Position {
    return this.#lines.position(this.#start);
  }

  get end(): Position {
    return this.#lines.position(this.#end);
  }

  /** Another range of the same text, positioned by the same line map. */
  within(start: number, end: number): SourceRange {
    return new SourceRange(this.#lines, start, end);
  }

  toJSON(): { start: Position; end: Position } {
    return { start: this.start, end: this.end };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const s = this.start;
    const e = this.end;
    return `${s.line}:${s.column}-${e.line}:${e.column}`;
  }
}

/**
 * A range of the text `ast` was parsed from, given by offsets, with lines and columns counted as
 * the AST counts them, by the parse's own line map (the text is not read again). For trees made by
 * parse(); any other tree is an error.
 */
export function rangeIn(ast: Dockerfile, start: number, end: number): Range {
  if (!(ast.range instanceof SourceRange)) throw new Error('rangeIn: the tree was not made by parse()');
  return ast.range.within(start, end);
}
