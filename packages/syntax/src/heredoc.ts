// Heredoc markers (`<<EOF`, `<<-EOF`, `3<<'EOF'`) on a RUN, COPY or ADD line, found the way
// BuildKit finds them: split the line into shell words (quotes kept), and match each word.
import { splitRawWords } from './words.js';

export interface HeredocMarker {
  /** The terminator, with quotes and escapes removed. */
  name: string;
  /** `<<-`: leading tabs are stripped from the body and the terminator line. */
  chomp: boolean;
  /** False when any part of the name was quoted: the body is taken literally. */
  expand: boolean;
  fileDescriptor: number | undefined;
  /** The marker word's position in the logical line. */
  start: number;
  end: number;
  /** Set when the marker is malformed (an unterminated quote); such a marker has no body. */
  error?: string;
}

const markerPattern = /^(\d*)<<(-?)([^<]*)$/;

export function findHeredocs(line: string): HeredocMarker[] {
  if (!line.includes('<<')) return [];
  const markers: HeredocMarker[] = [];
  for (const word of splitRawWords(line, '\\')) {
    const m = markerPattern.exec(word.value);
    if (!m || m[3]!.length === 0) continue;
    const unquoted = unquoteWord(m[3]!);
    if (unquoted === undefined) continue; // not a single word: not a heredoc
    const marker: HeredocMarker = {
      name: unquoted.value,
      chomp: m[2] === '-',
      expand: !unquoted.quoted,
      fileDescriptor: m[1] ? Number(m[1]) : undefined,
      start: word.start,
      end: word.end,
    };
    if (unquoted.error) marker.error = unquoted.error;
    markers.push(marker);
  }
  return markers;
}

/**
 * Removes quotes and escapes from a heredoc name. Undefined when the text is not one word.
 * `quoted` tells whether quote characters (not escaped ones) were removed.
 */
function unquoteWord(text: string): { value: string; quoted: boolean; error?: string } | undefined {
  let value = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (isWhiteSpace(c)) {
      if (text.slice(i).trim() === '') break;
      return undefined;
    }
    if (c === '\\') {
      if (i + 1 < text.length) value += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      quoted = true;
      const close = findClosingQuote(text, i + 1, c);
      if (close < 0) return { value: value + text.slice(i + 1), quoted, error: `unterminated ${c === '"' ? 'double' : 'single'} quote in heredoc name` };
      value += c === '"' ? text.slice(i + 1, close).replace(/\\(["\\$])/g, '$1') : text.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    value += c;
    i++;
  }
  return { value, quoted };
}

/** `/\s/.test(c)` for one character, without the regex for ASCII. */
function isWhiteSpace(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(c);
}

function findClosingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}
