// Property tests: random and mutated Dockerfiles never throw, the tree covers the text exactly
// (print(parse(text)) === text), every range lies inside the text, and nodes nest.
import { expect } from 'chai';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { parse, print } from '../src/index.js';
import { repoRoot } from './corpus.js';
import { treeProblems } from './tree-checks.js';

/** Pieces that matter to the grammar, so random text hits its corners often. */
const pieces = [
  'FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'LABEL', 'ARG', 'CMD', 'ENTRYPOINT', 'ONBUILD', 'HEALTHCHECK', 'SHELL', 'from',
  ' ', ' ', '\t', '\n', '\n', '\r\n', '\r', '\\', '\\', '`', '#', '# escape=`', '# syntax=x', '"', "'", '[', ']', ',', '=',
  '--', '--from=a', '--mount=type=cache', '<<', '<<EOF', '<<-EOF', 'EOF', '\tEOF', 'a', 'b c', '$HOME', '${A:-b}', 'AS',
  '["a", "b"]', '\ufeff', 'é', '\u00a0', '\u2028', '\u0000', '\ud800',
];

const dockerfileish = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), { maxLength: 60 }).map((p) => p.join(''));

function check(text: string): void {
  const result = parse(text);
  expect(print(result.ast)).to.equal(text);
  expect(treeProblems(result.ast, text)).to.deep.equal([]);
  for (const d of result.diagnostics) {
    expect(d.range.start.offset).to.be.within(0, text.length);
    expect(d.range.end.offset).to.be.within(d.range.start.offset, text.length);
  }
}

describe('parser properties', function () {
  it('random Dockerfile-like text: never throws, round-trips, ranges inside and nested', function () {
    fc.assert(fc.property(dockerfileish, check), { numRuns: 3000 });
  });

  it('arbitrary Unicode text: the same', function () {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check), { numRuns: 1000 });
  });

  it('mutated fixtures (insertions, deletions, swaps): the same', function () {
    const dir = path.join(repoRoot, 'fixtures', 'parse');
    const sources = fs.readdirSync(dir).map((name) => fs.readFileSync(path.join(dir, name, 'Dockerfile'), 'utf8')).filter((t) => t.length > 0);
    const mutation = fc.record({
      source: fc.constantFrom(...sources),
      edits: fc.array(
        fc.record({ at: fc.nat(), remove: fc.nat({ max: 8 }), insert: fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 })) }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ source, edits }) => {
        let text = source;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        check(text);
      }),
      { numRuns: 2000 },
    );
  });
});
