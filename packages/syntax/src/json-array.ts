// The exec (JSON) form of an instruction's arguments: `["a", "b"]`. BuildKit takes the form
// only when the whole text is one valid JSON array; any syntax error means shell form, but a
// valid array holding something other than strings is an error.

export interface JsonString {
  value: string;
  /** Index of the opening quote, and one past the closing quote. */
  start: number;
  end: number;
}

export type JsonArrayResult =
  | { kind: 'array'; items: JsonString[] }
  | { kind: 'not-strings'; at: number }
  | { kind: 'invalid'; at: number; message: string };

class JsonError {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

/** Parses `text` (which starts with `[`) as a JSON array of strings; trailing whitespace only. */
export function parseJsonArray(text: string): JsonArrayResult {
  const p = new JsonScanner(text);
  try {
    const result = p.array();
    p.skipSpace();
    if (p.pos < text.length) return { kind: 'invalid', at: p.pos, message: 'unexpected text after the JSON array' };
    return result;
  } catch (err) {
    if (err instanceof JsonError) return { kind: 'invalid', at: err.at, message: err.message };
    throw err;
  }
}

class JsonScanner {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.pos++;
    }
  }

  array(): JsonArrayResult {
    const items: JsonString[] = [];
    let nonString = -1;
    this.expect('[');
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '"') items.push(this.string());
      else {
        if (nonString < 0) nonString = this.pos;
        this.value();
      }
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        break;
      }
      throw new JsonError(this.pos, c === undefined ? 'unterminated JSON array' : `expected "," or "]" in JSON array`);
    }
    return nonString >= 0 ? { kind: 'not-strings', at: nonString } : { kind: 'array', items };
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) throw new JsonError(this.pos, `expected "${ch}"`);
    this.pos++;
  }

  private value(): void {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"') this.string();
    else if (c === '[') {
      this.pos++;
      this.skipSpace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return;
      }
      for (;;) {
        this.value();
        this.skipSpace();
        const d = this.text[this.pos++];
        if (d === ']') return;
        if (d !== ',') throw new JsonError(this.pos - 1, 'malformed JSON array');
      }
    } else if (c === '{') {
      this.pos++;
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipSpace();
        if (this.text[this.pos] !== '"') throw new JsonError(this.pos, 'malformed JSON object');
        this.string();
        this.skipSpace();
        this.expect(':');
        this.value();
        this.skipSpace();
        const d = this.text[this.pos++];
        if (d === '}') return;
        if (d !== ',') throw new JsonError(this.pos - 1, 'malformed JSON object');
      }
    } else {
      const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.pos, this.pos + 64));
      if (!m) throw new JsonError(this.pos, 'malformed JSON value');
      this.pos += m[0].length;
    }
  }

  private string(): JsonString {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let value = '';
    let chunk = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        value += t.slice(chunk, this.pos);
        this.pos++;
        return { value, start, end: this.pos };
      }
      if (c < 0x20) throw new JsonError(this.pos, 'control character in JSON string');
      if (c === 92) {
        value += t.slice(chunk, this.pos);
        const e = t[this.pos + 1];
        const simple = e === undefined ? undefined : SIMPLE_ESCAPES[e];
        if (simple !== undefined) {
          value += simple;
          this.pos += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
          value += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          throw new JsonError(this.pos, 'invalid escape in JSON string');
        }
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
    throw new JsonError(start, 'unterminated JSON string');
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
