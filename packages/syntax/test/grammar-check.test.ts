// The parser's fast check (a state machine over token types) accepts exactly the token streams
// the Chevrotain grammar accepts, so a parse reports the same syntax errors with or without it.
import { expect } from 'chai';
import fc from 'fast-check';
import type { IToken, TokenType } from 'chevrotain';
import { fitsGrammar, grammar } from '../src/parser.js';
import { allTokens } from '../src/tokens.js';
import { parse } from '../src/index.js';

function stream(types: TokenType[]): IToken[] {
  return types.map((tokenType, i) => ({ image: 'x', startOffset: i, endOffset: i, tokenType, tokenTypeIdx: tokenType.tokenTypeIdx! }) as IToken);
}

function grammarAccepts(tokens: IToken[]): boolean {
  const parser = grammar();
  parser.input = tokens;
  parser.dockerfile();
  return parser.errors.length === 0;
}

describe('grammar check', function () {
  it('random token streams: the state machine and the grammar agree', function () {
    const types = fc.array(fc.constantFrom(...allTokens), { maxLength: 12 });
    fc.assert(fc.property(types, (t) => {
      expect(fitsGrammar(stream(t)), t.map((x) => x.name).join(' ')).to.equal(grammarAccepts(stream(t)));
    }), { numRuns: 20000 });
  });

  it('every stream of up to four tokens: the same', function () {
    const check = (prefix: TokenType[]): void => {
      expect(fitsGrammar(stream(prefix)), prefix.map((t) => t.name).join(' ')).to.equal(grammarAccepts(stream(prefix)));
      if (prefix.length < 4) for (const t of allTokens) check([...prefix, t]);
    };
    check([]);
  });

  it('streams the lexer makes of well-formed files need no Chevrotain error', function () {
    for (const text of ['FROM a\nRUN b \\\n  # c\n\n  d\n', 'RUN <<EOF\nx\nEOF\n', '\\\nFROM a\n', '\ufeff# escape=`\nFROM a `\n b\n']) {
      expect(parse(text).diagnostics.filter((d) => d.message.startsWith('syntax error'))).to.deep.equal([]);
    }
  });
});
