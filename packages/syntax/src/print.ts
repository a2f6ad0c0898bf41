// The printer: the tree back to text. Lossless: print(parse(text).ast) === text.
import type { Dockerfile } from './ast.js';

export function print(ast: Dockerfile): string {
  let out = '';
  for (const node of ast.children) out += node.text;
  return out;
}
