// Property tests for lint's shell parser: random text never makes it throw, and random shell-ish
// scripts give the same commands as mvdan-sh (the reference), or are rejected by both.
import { expect } from 'chai';
import fc from 'fast-check';
import { parseRaw } from '../src/shell.js';
import { referenceRawScript } from './shell-reference.js';

/** Pieces that stand inside a word and may be glued to their neighbours: quotes, expansions, escapes. */
const wordPieces = [
  'a', 'b', 'echo', 'apt-get', 'x=1', 'y=', '"a b"', "'c d'", '"', "'", '$x', '${x}', '${x:-y z}', '${#x}', '${x/a/b}',
  '${x%%.*}', '$(', ')', '`', '\\', '\\"', '$((1+2))', '$(( x * (2+3) ))', '$1', '$@', '$?', "$'x\\n'", '"$x"', '"$(a)"',
  '"`b`"', 'x@(a|b)', '*', '$[1]', ':', '-', '+', '%', '{', '}', '=', '$(a b)', '"${x:-"q"}"',
  'x=$(a | b)', '${x:-$(a)}', '"${x/$(a)/`b`}"', '$(( $(a) + 1 ))', '${x[$(a)]}', '<(a|b)', '$(a <<E',
];

/** Pieces that stand apart (a blank on each side): operators, reserved words, redirections, comments. */
const apartPieces = [
  'a=(1 2)', '\r\n', '(', '|', '||', '&&', ';', '&', '\n', 'if', 'then', 'elif', 'else', 'fi', 'for', 'in', 'do', 'done', 'while',
  'until', 'case', 'esac', ';;', ';&', '<', '>', '>>', '2>&1', '&>', '<<<', '<(', '>(', '<<EOF', '<<-EOF', "<<'EOF'", 'EOF',
  '#c\n', '[[', ']]', '-n', '==', '!', 'f()', 'time', 'sudo', 'select', '|&', '=~', '\\\n',
];

/**
 * Scripts made of those pieces. Left out, because mvdan-sh reads them differently from sh and a
 * real RUN line does not write them: `#` right after a quote or an expansion (mvdan-sh starts a
 * comment there), `$'…'` inside backquotes (mvdan-sh rejects it), unclosed `$((` (its arithmetic
 * errors differ in corners), and `export`/`local`/`function` followed by random words (mvdan-sh
 * checks their names its own way). The unit tests cover each of those constructs.
 */
const script = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom(...wordPieces), fc.boolean()).map(([piece, blank]) => (blank ? piece + ' ' : piece)),
      fc.constantFrom(...apartPieces).map((piece) => ` ${piece} `),
    ),
    { minLength: 1, maxLength: 14 },
  )
  .map((pieces) => pieces.join(''))
  .filter((text) => !(text.includes('`') && text.includes("$'")));

/** Any text from the characters sh gives a meaning to. */
const soup = fc.string({ unit: fc.constantFrom(...'ab  x=$"\'\\`(){}[]|&;<>\n\r\t-*@!?:#1/%+^,~'), maxLength: 40 });

describe('shell parser properties', function () {
  this.timeout(300_000);

  it('never throws, on any text', function () {
    fc.assert(
      fc.property(fc.oneof(soup, fc.string({ maxLength: 40 }), script), (text) => {
        const raw = parseRaw(text);
        if (raw !== null) expect(raw.commands).to.be.an('array');
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the same commands as mvdan-sh on shell-ish scripts, or rejects what it rejects', function () {
    fc.assert(
      fc.property(script, (text) => {
        expect(parseRaw(text), JSON.stringify(text)).to.deep.equal(referenceRawScript(text));
      }),
      { numRuns: 3000 },
    );
  });
});
