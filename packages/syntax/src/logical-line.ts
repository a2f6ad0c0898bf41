// A logical line: the physical lines of one instruction joined the way BuildKit joins them
// (continuations, and the comment and empty lines they skip, removed), with a map from each
// character back to its offset in the source, so every argument keeps an exact range.
import type { IToken } from 'chevrotain';
import { Continuation, ContinuationComment, EmptyContinuationLine, Kind, LineContinuation, type TokenStream } from './tokens.js';

export interface LogicalLine {
  text: string;
  /** How many pieces were joined: the first pieceCount entries of the arrays below. */
  pieceCount: number;
  /** Start of each joined piece in `text`, ascending. */
  pieceStarts: number[];
  /** Source offset of each piece's first character. */
  pieceSources: number[];
}

/** Joins tokens[from, to) into one logical line. */
export function joinTokens(tokens: IToken[], from: number, to: number): LogicalLine {
  let text = '';
  const pieceStarts: number[] = [];
  const pieceSources: number[] = [];
  for (let k = from; k < to; k++) {
    const token = tokens[k]!;
    const t = token.tokenType;
    if (t === Continuation || t === LineContinuation || t === ContinuationComment || t === EmptyContinuationLine) continue;
    const last = pieceStarts.length - 1;
    // Adjacent tokens extend the current piece; a gap (a dropped continuation) starts a new one.
    if (last < 0 || pieceSources[last]! + (text.length - pieceStarts[last]!) !== token.startOffset) {
      pieceStarts.push(text.length);
      pieceSources.push(token.startOffset);
    }
    text += token.image;
  }
  // A line of nothing but continuations still has a place: where it starts.
  if (pieceStarts.length === 0 && from < to) {
    pieceStarts.push(0);
    pieceSources.push(tokens[from]!.startOffset);
  }
  return { text, pieceCount: pieceStarts.length, pieceStarts, pieceSources };
}

// joinStream's line, made again for each instruction: the builder is done with one line before
// it asks for the next, and keeps none.
const shared: LogicalLine = { text: '', pieceCount: 0, pieceStarts: [], pieceSources: [] };

/**
 * Joins the tokens [from, to) of a stream over `source` into one logical line. The line is
 * valid until the next call.
 */
export function joinStream(source: string, s: TokenStream, from: number, to: number): LogicalLine {
  const { kinds, starts, ends } = s;
  let text = '';
  const { pieceStarts, pieceSources } = shared;
  let pieces = 0;
  // The piece being read, in the source; adjacent tokens extend it, a gap starts a new one.
  let start = -1;
  let end = -1;
  for (let k = from; k < to; k++) {
    const kind = kinds[k]!;
    if (kind === Kind.Continuation || kind === Kind.LineContinuation || kind === Kind.ContinuationComment || kind === Kind.EmptyContinuationLine) continue;
    if (start >= 0 && starts[k] === end) {
      end = ends[k]!;
      continue;
    }
    if (start >= 0) text += source.slice(start, end);
    pieceStarts[pieces] = text.length;
    pieceSources[pieces] = starts[k]!;
    pieces++;
    start = starts[k]!;
    end = ends[k]!;
  }
  if (start >= 0) text = text === '' ? source.slice(start, end) : text + source.slice(start, end);
  // A line of nothing but continuations still has a place: where it starts.
  if (pieces === 0 && from < to) {
    pieceStarts[0] = 0;
    pieceSources[0] = starts[from]!;
    pieces = 1;
  }
  shared.text = text;
  shared.pieceCount = pieces;
  return shared;
}

/** Source offset of the character at `index` in the logical line (index may equal text.length). */
export function sourceOffsetAt(line: LogicalLine, index: number): number {
  const piece = pieceAt(line, index);
  if (piece < 0) return 0;
  return line.pieceSources[piece]! + (index - line.pieceStarts[piece]!);
}

/** Source offset just past the character before `index`: the end of a range ending at `index`. */
export function sourceEndAt(line: LogicalLine, index: number): number {
  if (index <= 0) return sourceOffsetAt(line, 0);
  return sourceOffsetAt(line, index - 1) + 1;
}

function pieceAt(line: LogicalLine, index: number): number {
  const starts = line.pieceStarts;
  let lo = 0;
  let hi = line.pieceCount - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
