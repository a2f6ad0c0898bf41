// The scanner that makes the tokens agrees with the Chevrotain lexer the grammar is defined with:
// the same token types, images, offsets and heredoc payloads, for either escape character.
import { expect } from 'chai';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import type { IToken } from 'chevrotain';
import { tokenize, tokenizeWithChevrotain, type EscapeChar } from '../src/tokens.js';
import { corpusDir, repoRoot } from './corpus.js';

function shape(result: { tokens: IToken[]; errors: unknown[] }): unknown {
  return {
    tokens: result.tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.tokenTypeIdx, t.payload ?? null]),
    errors: result.errors,
  };
}

function agree(text: string): void {
  for (const escape of ['\\', '`'] as EscapeChar[]) {
    expect(shape(tokenize(text, escape)), JSON.stringify(text)).to.deep.equal(shape(tokenizeWithChevrotain(text, escape)));
  }
}

/** Pieces that decide where tokens end: escapes, CRs, blanks, comments, heredoc markers. */
const pieces = [
  'FROM a', 'RUN', 'COPY', 'ONBUILD RUN', ' ', '  ', '\t', '\v', '\f', '\u00a0', '\u2003', '\n', '\n', '\r', '\r\n', '\r\r\n',
  '\\', '\\', '`', '`', '\\\n', '`\n', '\\ \n', '\\\t\r\n', '\\\\\n', '#', '# c\n', '  # c\n', 'x', 'a b', '<<', '<<EOF', '<<-EOF',
  '<<"EOF"', 'EOF', '\tEOF', 'EOF\n', '\ufeff', '"', "'",
];
const text = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 })), { maxLength: 40 }).map((p) => p.join(''));

describe('lexer', function () {
  it('random text: the scanner and the Chevrotain lexer make the same tokens', function () {
    fc.assert(fc.property(text, agree), { numRuns: 5000 });
  });

  it('arbitrary Unicode text: the same', function () {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), agree), { numRuns: 1000 });
  });

  it('the parse fixtures: the same', function () {
    const dir = path.join(repoRoot, 'fixtures', 'parse');
    for (const name of fs.readdirSync(dir)) agree(fs.readFileSync(path.join(dir, name, 'Dockerfile'), 'utf8'));
  });

  it('the real-world corpus: the same', function () {
    const dir = corpusDir('real', 'files');
    if (!dir) this.skip();
    for (const name of fs.readdirSync(dir)) agree(fs.readFileSync(path.join(dir, name), 'utf8'));
  });
});
