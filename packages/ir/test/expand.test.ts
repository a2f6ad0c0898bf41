// Word expansion as a Dockerfile author sees it: what a word in ENV, COPY, FROM… becomes.
import { expect } from 'chai';
import { expandWord, expandWords, type ExpandOptions } from '../src/index.js';

const env = new Map<string, string>([
  ['NAME', 'web'],
  ['EMPTY', ''],
  ['DIR', '/opt/app'],
  ['FILE', '/src/lib/main.tar.gz'],
  ['SPACED', '  one  two '],
  ['TAG', 'v1.2.3-rc1'],
  ['GLOB', 'a*b?c'],
  ['MULTI', 'first\nsecond'],
  ['EMOJI', '🐳x🐳y'],
  ['ÜBER', 'unicode-name'],
]);

function word(input: string, options?: ExpandOptions): string {
  const result = expandWord(input, env, options);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to expand, got: ${result.error.message}`);
  return result.value;
}

function words(input: string, options?: ExpandOptions): string[] {
  const result = expandWords(input, env, options);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to expand, got: ${result.error.message}`);
  return result.value;
}

function failure(input: string, options?: ExpandOptions): { message: string; offset: number; end: number } {
  const result = expandWord(input, env, options);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to fail, got ${JSON.stringify(result.value)}`);
  const viaWords = expandWords(input, env, options);
  expect(viaWords.ok, 'expandWords fails where expandWord fails').to.equal(false);
  return result.error;
}

describe('expandWord', function () {
  describe('plain text', function () {
    it('returns text without quotes, escapes or $ unchanged, whitespace included', function () {
      expect(word('hello')).to.equal('hello');
      expect(word('  a  b  ')).to.equal('  a  b  ');
      expect(word('')).to.equal('');
      expect(word('100%{}#')).to.equal('100%{}#');
    });

    it('drops a byte-order mark that starts the word, as BuildKit does', function () {
      expect(word('\ufeffabc')).to.equal('abc');
      expect(word('a\ufeffb')).to.equal('a\ufeffb');
      expect(words('\ufeff$NAME')).to.deep.equal(['web']);
    });
  });

  describe('variables', function () {
    it('substitutes $NAME and ${NAME}', function () {
      expect(word('$NAME')).to.equal('web');
      expect(word('${NAME}')).to.equal('web');
      expect(word('app-${NAME}-1')).to.equal('app-web-1');
      expect(word('$DIR/bin')).to.equal('/opt/app/bin');
    });

    it('takes the longest run of letters, digits and _ as the name', function () {
      expect(word('$NAME_x')).to.equal('');
      expect(word('$NAME.x')).to.equal('web.x');
      expect(word('$NAME-x')).to.equal('web-x');
      expect(word('$ÜBER')).to.equal('unicode-name');
    });

    it('expands unset variables to nothing', function () {
      expect(word('a${UNSET}b$UNSET')).to.equal('a' + 'b');
    });

    it('keeps a $ that no name follows', function () {
      expect(word('$')).to.equal('$');
      expect(word('cost: $/h')).to.equal('cost: $/h');
      expect(word('$ x')).to.equal('$ x');
      expect(word('a$%b')).to.equal('a$%b');
    });

    it('treats digit runs and special parameters as names that are never set', function () {
      expect(word('x$1y')).to.equal('xy');
      expect(word('x$12y')).to.equal('xy');
      expect(word('x${42}y')).to.equal('xy');
      expect(word('x$@y')).to.equal('xy');
      expect(word('x$$$y')).to.equal('x');
      expect(word('x${#}y${?}z')).to.equal('xyz');
      expect(word('${0:-zero}')).to.equal('zero');
    });
  });

  describe('${NAME-w} and ${NAME:-w}', function () {
    it('uses w when NAME is unset; with the colon also when it is empty', function () {
      expect(word('${UNSET-dflt}')).to.equal('dflt');
      expect(word('${EMPTY-dflt}')).to.equal('');
      expect(word('${NAME-dflt}')).to.equal('web');
      expect(word('${UNSET:-dflt}')).to.equal('dflt');
      expect(word('${EMPTY:-dflt}')).to.equal('dflt');
      expect(word('${NAME:-dflt}')).to.equal('web');
    });

    it('expands w, which may nest references, quotes and escaped braces', function () {
      expect(word('${UNSET:-$NAME}')).to.equal('web');
      expect(word('${UNSET:-${EMPTY:-${NAME}}}')).to.equal('web');
      expect(word('${UNSET:-a b}')).to.equal('a b');
      expect(word("${UNSET:-'}'}")).to.equal('}');
      expect(word('${UNSET:-"$NAME }"}')).to.equal('web }');
      expect(word('${UNSET:-\\}}')).to.equal('}');
      expect(word('${UNSET:-{x}y}')).to.equal('{xy}');
      expect(word('${UNSET:-}')).to.equal('');
    });

    it('ends w at the first unescaped }', function () {
      expect(word('${UNSET:-a}b}')).to.equal('ab}');
    });
  });

  describe('${NAME+w} and ${NAME:+w}', function () {
    it('uses w when NAME is set; with the colon only when it is also non-empty', function () {
      expect(word('${NAME+alt}')).to.equal('alt');
      expect(word('${EMPTY+alt}')).to.equal('alt');
      expect(word('${UNSET+alt}')).to.equal('');
      expect(word('${NAME:+alt}')).to.equal('alt');
      expect(word('${EMPTY:+alt}')).to.equal('');
      expect(word('${UNSET:+alt}')).to.equal('');
      expect(word('${NAME:+-$NAME}')).to.equal('-web');
    });
  });

  describe('${NAME?msg} and ${NAME:?msg}', function () {
    it('gives the value when NAME is set (and, with the colon, non-empty)', function () {
      expect(word('${NAME?}')).to.equal('web');
      expect(word('${EMPTY?}')).to.equal('');
      expect(word('${NAME:?}')).to.equal('web');
    });

    it('fails with the given message, expanded, naming the variable', function () {
      expect(failure('${UNSET?set UNSET to $NAME}').message).to.equal('UNSET: set UNSET to web');
      expect(failure('${EMPTY:?must not be empty}').message).to.equal('EMPTY: must not be empty');
    });

    it('fails with a default message when none is given', function () {
      expect(failure('${UNSET?}').message).to.equal('UNSET: is not allowed to be unset');
      expect(failure('${UNSET:?}').message).to.equal('UNSET: is not allowed to be unset');
      expect(failure('${EMPTY:?}').message).to.equal('EMPTY: is not allowed to be empty');
    });

    it('points at the reference that failed', function () {
      const error = failure('x=${UNSET?}');
      expect([error.offset, error.end]).to.deep.equal([2, 11]);
    });
  });

  describe('${NAME#p} ${NAME##p} ${NAME%p} ${NAME%%p}', function () {
    it('removes the shortest (#) or longest (##) matching prefix', function () {
      expect(word('${FILE#*/}')).to.equal('src/lib/main.tar.gz');
      expect(word('${FILE##*/}')).to.equal('main.tar.gz');
      expect(word('${TAG#v}')).to.equal('1.2.3-rc1');
      expect(word('${TAG#x}')).to.equal('v1.2.3-rc1');
      expect(word('${TAG#?.}')).to.equal('v1.2.3-rc1');
      expect(word('${TAG#??.}')).to.equal('2.3-rc1');
    });

    it('removes the shortest (%) or longest (%%) matching suffix', function () {
      expect(word('${FILE%.*}')).to.equal('/src/lib/main.tar');
      expect(word('${FILE%%.*}')).to.equal('/src/lib/main');
      expect(word('${FILE%/*}')).to.equal('/src/lib');
      expect(word('${TAG%-*}')).to.equal('v1.2.3');
      expect(word('${TAG%?}')).to.equal('v1.2.3-rc');
      expect(word('${TAG%q}')).to.equal('v1.2.3-rc1');
    });

    it('matches the whole value with * and nothing with an empty pattern', function () {
      expect(word('${TAG#*}')).to.equal('v1.2.3-rc1');
      expect(word('${TAG##*}')).to.equal('');
      expect(word('${TAG%%*}')).to.equal('');
      expect(word('${TAG#}')).to.equal('v1.2.3-rc1');
      expect(word('${TAG%%}')).to.equal('v1.2.3-rc1');
    });

    it('takes \\*, \\? and \\\\ literally, and \\} as a brace', function () {
      expect(word('${GLOB#a\\*}')).to.equal('b?c');
      expect(word('${GLOB%\\?c}')).to.equal('a*b');
      expect(word('${GLOB%%\\**}')).to.equal('a');
      expect(word('${GLOB##*\\*}')).to.equal('b?c');
      expect(word('${UNSET:-a\\b}')).to.equal('ab');
      const withBrace = new Map([['V', '{x}\\y']]);
      const result = expandWord('${V#{x\\}\\\\}', withBrace);
      expect(result.ok && result.value).to.equal('y');
      expect(expandWord('${V#\\{x}', withBrace).ok, '\\{ is no escape').to.equal(false);
    });

    it('expands references inside the pattern, and treats their * as a wildcard', function () {
      const vars = new Map([['V', 'pre-body'], ['P', 'pre-'], ['STAR', '*-']]);
      expect(expandWord('${V#$P}', vars)).to.include({ value: 'body' });
      expect(expandWord('${V#$STAR}', vars)).to.include({ value: 'body' });
    });

    it('lets ? match one character, even outside the Basic Multilingual Plane', function () {
      expect(word('${EMOJI#?x}')).to.equal('🐳y');
      expect(word('${EMOJI%?}')).to.equal('🐳x🐳');
      expect(word('${EMOJI%%?*}')).to.equal('');
    });

    it('does not let * or ? cross a newline (BuildKit uses a Go regexp without the s flag)', function () {
      expect(word('${MULTI#*d}')).to.equal('first\nsecond');
      expect(word('${MULTI#first?}')).to.equal('first\nsecond');
      expect(word('${MULTI%\n*}')).to.equal('first');
    });

    it('rejects escapes other than \\*, \\?, \\\\, \\} and \\/', function () {
      const error = failure('${TAG#\\v}');
      expect(error.message).to.match(/invalid escape '\\v'/);
      expect(error.offset).to.equal(0);
    });

    it('does not take an empty-means-unset colon', function () {
      expect(failure('${TAG:#v}').message).to.match(/unsupported modifier ':#'/);
      expect(failure('${TAG:%1}').message).to.match(/unsupported modifier ':%'/);
    });
  });

  describe('${NAME/p/r} and ${NAME//p/r}', function () {
    it('replaces the first match, or every match with //', function () {
      expect(word('${TAG/./_}')).to.equal('v1_2.3-rc1');
      expect(word('${TAG//./_}')).to.equal('v1_2_3-rc1');
      expect(word('${TAG//[0-9]/#}')).to.equal('v1.2.3-rc1');
      expect(word('${FILE/lib/share}')).to.equal('/src/share/main.tar.gz');
      expect(word('${TAG/nomatch/x}')).to.equal('v1.2.3-rc1');
    });

    it('matches * greedily', function () {
      expect(word('${FILE/\\/*\\//}')).to.equal('main.tar.gz');
      expect(word('${TAG/.*./-}')).to.equal('v1-3-rc1');
    });

    it('takes \\/ as a slash in the pattern, and an empty replacement', function () {
      expect(word('${DIR//\\//:}')).to.equal(':opt:app');
      expect(word('${DIR//\\//}')).to.equal('optapp');
      expect(word('${DIR/\\/opt/}')).to.equal('/app');
    });

    it('inserts at the start when the pattern is empty', function () {
      expect(word('${NAME/$EMPTY/>}')).to.equal('>web');
      expect(word('${NAME//$EMPTY/}')).to.equal('web');
    });

    it('keeps escapes in the replacement', function () {
      expect(word('${DIR//\\//\\/}')).to.equal('\\/opt\\/app');
    });

    it('reads a } inside the pattern as text', function () {
      const vars = new Map([['V', 'a}b']]);
      expect(expandWord('${V/}/-}', vars)).to.include({ value: 'a-b' });
    });

    it('fails when the / after the pattern is missing', function () {
      expect(failure('${TAG/x}').message).to.match(/missing '\/'/);
      expect(failure('${TAG//}').message).to.match(/missing '\/'/);
    });
  });

  describe('quotes', function () {
    it('takes everything between single quotes literally', function () {
      expect(word("'$NAME \\n \"x\"'")).to.equal('$NAME \\n "x"');
      expect(word("a'b c'd")).to.equal('ab cd');
      expect(word("''")).to.equal('');
    });

    it('expands $ between double quotes and keeps other characters', function () {
      expect(word('"$NAME \'x\' ${DIR}"')).to.equal("web 'x' /opt/app");
      expect(word('"a  b"')).to.equal('a  b');
    });

    it('lets the escape character escape only ", $ and itself between double quotes', function () {
      expect(word('"say \\"hi\\""')).to.equal('say "hi"');
      expect(word('"\\$NAME"')).to.equal('$NAME');
      expect(word('"a\\\\b"')).to.equal('a\\b');
      expect(word('"a\\nb"')).to.equal('a\\nb');
      expect(word('"\\\'"')).to.equal("\\'");
    });

    it('fails on an unterminated quote, pointing at the opening quote', function () {
      expect(failure("ab'cd")).to.deep.include({ offset: 2, end: 5 });
      expect(failure("ab'cd").message).to.match(/single-quoted/);
      expect(failure('ab"cd')).to.deep.include({ offset: 2, end: 5 });
      expect(failure('ab"cd').message).to.match(/double-quoted/);
      expect(failure('"abc\\"').offset).to.equal(0);
      expect(failure('"${NAME}').offset).to.equal(0);
    });

    it('keeps the quotes with rawQuotes', function () {
      expect(word(`'a b'"c $NAME"`, { rawQuotes: true })).to.equal(`'a b'"c web"`);
      expect(word(`x'y'`, { rawQuotes: true })).to.equal(`x'y'`);
    });
  });

  describe('escapes outside quotes', function () {
    it('makes the next character literal and drops a trailing escape', function () {
      expect(word('a\\b')).to.equal('ab');
      expect(word('\\$NAME')).to.equal('$NAME');
      expect(word('\\${NAME}')).to.equal('${NAME}');
      expect(word('a\\\\$NAME')).to.equal('a\\web');
      expect(word("\\'x\\'")).to.equal("'x'");
      expect(word('\\"')).to.equal('"');
      expect(word('end\\')).to.equal('end');
    });

    it('uses a backtick instead when the escape directive says so', function () {
      const backtick: ExpandOptions = { escapeChar: '`' };
      expect(word('C:\\dir\\$NAME', backtick)).to.equal('C:\\dir\\web');
      expect(word('`$NAME', backtick)).to.equal('$NAME');
      expect(word('a``b', backtick)).to.equal('a`b');
      expect(word('"x`"y"', backtick)).to.equal('x"y');
      expect(word('"a\\"', backtick)).to.equal('a\\');
      expect(word('"`n"', backtick)).to.equal('`n');
      expect(word('end`', backtick)).to.equal('end');
      expect(words('a` b c', backtick)).to.deep.equal(['a b', 'c']);
      expect(word('${UNSET:-`}}', backtick)).to.equal('}');
    });

    it('keeps the escape characters with rawEscapes', function () {
      expect(word('a\\ b\\$NAME', { rawEscapes: true })).to.equal('a\\ b\\$NAME');
      expect(word('"\\"x"', { rawEscapes: true })).to.equal('\\"x');
    });
  });

  describe('malformed references', function () {
    const cases: Array<[string, RegExp, number]> = [
      ['x${}', /bad substitution/, 1],
      ['x${:-a}', /bad substitution/, 1],
      ['x${{NAME}', /bad substitution/, 1],
      ['x${', /missing '}'/, 1],
      ['x${NAME', /missing '}'/, 1],
      ['x${NAME:-abc', /missing '}'/, 1],
      ['x${NAME:-${DIR}', /missing '}'/, 1],
      ['x${.}', /unsupported modifier '\.'/, 1],
      ['x${NAME=v}', /unsupported modifier '='/, 1],
      ['x${NAME:=v}', /unsupported modifier ':='/, 1],
      ['x${NAME:x}', /unsupported modifier ':x'/, 1],
      ['x${NAME x}', /unsupported modifier ' '/, 1],
      ['x${UNSET:-${}}', /bad substitution/, 10],
    ];
    for (const [input, message, offset] of cases) {
      it(`rejects ${input}`, function () {
        const error = failure(input);
        expect(error.message).to.match(message);
        expect(error.offset).to.equal(offset);
        expect(error.end).to.be.greaterThan(error.offset).and.at.most(input.length);
      });
    }

    it('treats a } with no ${ as text', function () {
      expect(word('a}b}')).to.equal('a}b}');
      expect(word('${NAME}}')).to.equal('web}');
    });

    it('returns an error, not a stack overflow, for absurdly deep nesting', function () {
      const deep = '${UNSET:-'.repeat(50_000) + 'x' + '}'.repeat(50_000);
      const result = expandWord(deep, env);
      expect(result.ok).to.equal(false);
    });
  });

  describe('variables read', function () {
    it('lists every name looked up, once, in order, and which were unset', function () {
      const result = expandWord('$NAME ${UNSET:-$DIR} ${NAME} $GONE', env);
      expect(result.read).to.deep.equal(['NAME', 'DIR', 'UNSET', 'GONE']);
      expect(result.unset).to.deep.equal(['UNSET', 'GONE']);
    });

    it('includes names read by a default that was not used, and by patterns', function () {
      const result = expandWord('${NAME:-$OTHER}${TAG#$PREFIX}', env);
      expect(result.read).to.have.members(['NAME', 'OTHER', 'TAG', 'PREFIX']);
      expect(result.unset).to.have.members(['OTHER', 'PREFIX']);
    });

    it('reports what was read before an error', function () {
      const result = expandWord('$NAME ${UNSET?}', env);
      expect(result.ok).to.equal(false);
      expect(result.read).to.deep.equal(['NAME', 'UNSET']);
      expect(result.unset).to.deep.equal(['UNSET']);
    });

    it('reads nothing from quoted or escaped dollars', function () {
      const result = expandWord("'$A' \\$B", env);
      expect(result.read).to.deep.equal([]);
    });
  });

  describe('skipUnset', function () {
    const skip: ExpandOptions = { skipUnset: true };

    it('leaves references to unset variables as written and expands set ones', function () {
      expect(word('$UNSET-$NAME', skip)).to.equal('$UNSET-web');
      expect(word('${UNSET}/${DIR}', skip)).to.equal('${UNSET}/${DIR}'.replace('${DIR}', '/opt/app'));
      expect(word('${UNSET:-$NAME}', skip)).to.equal('${UNSET:-web}');
      expect(word('${UNSET#x}', skip)).to.equal('${UNSET#x}');
      expect(word('${UNSET//a/b}', skip)).to.equal('${UNSET//a/b}');
      expect(word('${EMPTY:-d}', skip)).to.equal('d');
    });

    it('does not fail on ${UNSET?} since the variable may be set later', function () {
      expect(word('${UNSET?needed}', skip)).to.equal('${UNSET?needed}');
    });

    it('still fails on malformed references', function () {
      expect(failure('${UNSET', skip).message).to.match(/missing '}'/);
    });
  });
});

describe('expandWords', function () {
  it('splits on unquoted whitespace and drops empty words', function () {
    expect(words('a b\tc\n d  ')).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(words('   ')).to.deep.equal([]);
    expect(words('')).to.deep.equal([]);
    expect(words('a "" b')).to.deep.equal(['a', 'b']);
    expect(words("''")).to.deep.equal([]);
  });

  it('splits on Unicode spaces as Go does (no-break space, ideographic space)', function () {
    expect(words('a\u00a0b\u3000c')).to.deep.equal(['a', 'b', 'c']);
  });

  it('never splits quoted or escaped text', function () {
    expect(words('"a b" \'c d\'')).to.deep.equal(['a b', 'c d']);
    expect(words('x"a b"y')).to.deep.equal(['xa by']);
    expect(words('a\\ b c')).to.deep.equal(['a b', 'c']);
  });

  it('splits the value of an unquoted reference, joining its edges to adjacent text', function () {
    expect(words('<$SPACED>')).to.deep.equal(['<', 'one', 'two', '>']);
    expect(words('x${NAME}y')).to.deep.equal(['xweby']);
    expect(words('${UNSET:-p q}')).to.deep.equal(['p', 'q']);
    expect(words('${UNSET:-"p q"}')).to.deep.equal(['p', 'q']);
  });

  it('keeps the value of a quoted reference whole', function () {
    expect(words('<"$SPACED">')).to.deep.equal(['<  one  two >']);
    expect(words('"${UNSET:-p q}" r')).to.deep.equal(['p q', 'r']);
  });

  it('drops a reference that expands to nothing', function () {
    expect(words('$EMPTY $UNSET x')).to.deep.equal(['x']);
  });

  it('keeps quotes and escapes in raw mode, as heredoc detection needs', function () {
    const raw: ExpandOptions = { rawQuotes: true, rawEscapes: true, skipUnset: true };
    const result = expandWords('cat <<"EOF" <<-\'END\' 2<<X\\ Y $HOME', new Map(), raw);
    expect(result.ok && result.value).to.deep.equal(['cat', '<<"EOF"', "<<-'END'", '2<<X\\ Y', '$HOME']);
  });

  it('fails like expandWord', function () {
    const result = expandWords('a "b', env);
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.error.offset).to.equal(2);
  });
});

describe('expansion performance', function () {
  // Speed is measured by benchmarks, not here; a quadratic lexer would still end at mocha's timeout.
  it('expands a long word (50,000 repetitions) into the right words', function () {
    const input = '$NAME "${DIR}" x\\ y '.repeat(50_000);
    const result = expandWords(input, env);
    expect(result.ok && result.value.length).to.equal(150_000);
  });

  it('matches many-star patterns against long values (no backtracking blow-up)', function () {
    const vars = new Map([['LONG', 'a'.repeat(20_000)]]);
    expect(expandWord('${LONG#*a*a*a*a*a*b}', vars)).to.deep.include({ ok: true, value: 'a'.repeat(20_000) });
    expect(expandWord('${LONG%%a*a*a*a*c}', vars)).to.deep.include({ ok: true, value: 'a'.repeat(20_000) });
  });
});
