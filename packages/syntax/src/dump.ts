// BuildKit's AST dump format (`(cmd "a" "b")`), for conformance tests against its corpus.
import type { Dockerfile, Instruction } from './ast.js';

export function dumpBuildkit(ast: Dockerfile): string {
  return ast.instructions.map((i) => `(${dumpInstruction(i)})\n`).join('');
}

function dumpInstruction(node: Instruction): string {
  let out = node.keyword.toLowerCase();
  if (node.flags.length > 0) out += ` [${node.flags.map((f) => goQuote(f.text)).join(' ')}]`;
  if (node.name === 'ONBUILD') {
    if (node.trigger) out += ` (${dumpInstruction(node.trigger)})`;
    return out;
  }
  for (const arg of node.argNodes) out += ' ' + goQuote(arg.value);
  return out;
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (isGoPrintable(ch)) out += ch;
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function isGoPrintable(ch: string): boolean {
  if (ch.length === 1) {
    const c = ch.charCodeAt(0);
    if (c >= 0xd800 && c <= 0xdfff) return false; // a lone surrogate: invalid UTF-8 in Go
  }
  return printable.test(ch);
}
