// What lint reads from a RUN script, construct by construct: the simple commands (name and
// words, variables resolved from ARG/ENV), whether a pipe appears, and which scripts are not shell.
import { expect } from 'chai';
import { Scope } from '../src/model.js';
import { keepParsedScripts, parseShell } from '../src/shell.js';

const scope = new Scope(new Map([['V', '1.0']]), new Map([['A', 'arg']]), false);

/** Each command as [name, ...words]; undefined when the text is not valid shell. */
function commands(text: string): string[][] | undefined {
  return parseShell(text, scope)?.commands.map((c) => [c.name, ...c.args.map((w) => w.text)]);
}

function hasPipe(text: string): boolean | undefined {
  return parseShell(text, scope)?.hasPipe;
}

function rejected(text: string): void {
  expect(parseShell(text, scope), JSON.stringify(text)).to.equal(undefined);
}

describe('shell parser', () => {
  it('reads lists: ; & newlines, && and ||, in source order', () => {
    expect(commands('a; b & c\nd && e || f')).to.deep.equal([['a'], ['b'], ['c'], ['d'], ['e'], ['f']]);
    expect(commands('a &&\n\n b ||\n c')).to.deep.equal([['a'], ['b'], ['c']]);
    expect(commands('')).to.deep.equal([]);
  });

  it('sees pipes (| and |&), not ||', () => {
    expect(hasPipe('a | b')).to.equal(true);
    expect(hasPipe('a |& b')).to.equal(true);
    expect(hasPipe('a || b')).to.equal(false);
    expect(hasPipe('echo $(a | b)')).to.equal(true);
    expect(commands('a |\n b | c')).to.deep.equal([['a'], ['b'], ['c']]);
  });

  it('reads ! before a pipeline, once', () => {
    expect(commands('! a | b')).to.deep.equal([['a'], ['b']]);
    expect(commands('echo !a')).to.deep.equal([['echo', '!a']]);
    rejected('! ! a');
    rejected('!');
    rejected('a | ! b');
  });

  it('skips comments, but not # inside a word', () => {
    expect(commands('a # b c\nd')).to.deep.equal([['a'], ['d']]);
    expect(commands('# only\n  # comments')).to.deep.equal([]);
    expect(commands('echo a#b')).to.deep.equal([['echo', 'a#b']]);
  });

  it('follows sh where mvdan-sh does not: # inside a word, a comment ending in a backslash, $\'…\' in backquotes', () => {
    expect(commands('echo "a"#b $x#c')).to.deep.equal([['echo', 'a#b', '${x}#c']]);
    expect(commands('a # comment \\\nb')).to.deep.equal([['a'], ['b']]);
    expect(commands("echo `printf $'x'`")).to.deep.equal([['printf', 'x'], ['echo', '$(…)']]);
  });

  it('reads a carriage return as a blank (CRLF here-document bodies), as mvdan-sh does', () => {
    expect(commands('apt-get install -y curl\r\necho a\\\r\n  b\r\n')).to.deep.equal([['apt-get', 'install', '-y', 'curl'], ['echo', 'a', 'b']]);
    expect(commands('echo "a\r"')).to.deep.equal([['echo', 'a\r']]);
  });

  it('joins lines continued with a backslash', () => {
    expect(commands('apt-get \\\n  install \\\n  -y cur\\\nl')).to.deep.equal([['apt-get', 'install', '-y', 'curl']]);
  });

  it('removes quotes and backslashes as sh does', () => {
    expect(commands(`echo 'a b' "c d" e\\ f \\$x '\\n'`)).to.deep.equal([['echo', 'a b', 'c d', 'e f', '$x', '\\n']]);
    // Inside double quotes a backslash escapes only $ \` " \\ and a newline.
    expect(commands('echo "a\\"b\\$c\\\\d\\e\\\nf"')).to.deep.equal([['echo', 'a"b$c\\d\\ef']]);
    expect(commands(`echo a'b'"c"`)).to.deep.equal([['echo', 'abc']]);
    expect(commands(`echo ''`)).to.deep.equal([['echo', '']]);
  });

  it("keeps $'…' as written", () => {
    expect(commands("echo $'a\\tb' $'it\\'s'")).to.deep.equal([['echo', 'a\\tb', "it\\'s"]]);
  });

  it('reads non-ASCII text as text', () => {
    expect(commands('echo "✅ done" ünïcode')).to.deep.equal([['echo', '✅ done', 'ünïcode']]);
  });

  it('resolves $NAME and ${NAME} from ARG and ENV; anything else is unknown', () => {
    expect(commands('echo $V ${A} x$V-y "$V"')).to.deep.equal([['echo', '1.0', 'arg', 'x1.0-y', '1.0']]);
    const words = parseShell('echo $U ${V:-x} ${#V} ${V/a/b} ${V%.*} ${V[1]} ${!V} ${V:1:2} ${V^^} ${V@Q} $1 $@', scope)!.commands[0]!.args;
    expect(words.map((w) => w.known)).to.deep.equal([false, false, false, false, false, false, false, false, false, false, false, false]);
    expect(words[0]!.text).to.equal('${U}');
    expect(words[1]!.text).to.equal('$(…)');
  });

  it('parses the words inside ${…}: nested quotes, expansions, blanks', () => {
    expect(commands('echo "${X:-"a b"}" ${X:-$(b)} ${X:-\'}\'} ${X/"/"/x} ${X:-${Y:-z}}')).to.deep.equal([['b'], ['echo', '$(…)', '$(…)', '$(…)', '$(…)', '$(…)']]);
    rejected('echo ${X');
    rejected('echo ${}');
    rejected('echo ${X Y}');
  });

  it('visits the commands of $(…), backquotes and process substitutions first', () => {
    expect(commands('echo $(apt-get update) `wget x` "$(curl y)"')).to.deep.equal([['apt-get', 'update'], ['wget', 'x'], ['curl', 'y'], ['echo', '$(…)', '$(…)', '$(…)']]);
    expect(commands('echo `a \\`b\\``')).to.deep.equal([['b'], ['a', '$(…)'], ['echo', '$(…)']]);
    expect(commands('diff <(sort a) >(tee b)')).to.deep.equal([['sort', 'a'], ['tee', 'b'], ['diff', '$(…)', '$(…)']]);
    expect(hasPipe('diff <(a | b) c')).to.equal(true);
    rejected('echo $(a');
    rejected('echo `a');
  });

  it('reads the commands of substitutions in assignments, before the command they prefix', () => {
    expect(commands('X=$(apt-get update) y')).to.deep.equal([['apt-get', 'update'], ['y']]);
    expect(commands('V=$(wget -O- https://x | sed s/a/b/) && echo $V')).to.deep.equal([['wget', '-O-', 'https://x'], ['sed', 's/a/b/'], ['echo', '1.0']]);
    expect(hasPipe('V=$(wget -O- https://x | sed s/a/b/) && echo $V')).to.equal(true);
    expect(commands('A=`a` B="$(b)" a[$(i)]=1 c=(x $(d) [2]=$(e))')).to.deep.equal([['a'], ['b'], ['i'], ['d'], ['e']]);
  });

  it('reads the commands of substitutions in redirections, not in a here-document delimiter', () => {
    expect(commands('a >$(b) 2>`c`; { d; } <"$(e)"')).to.deep.equal([['b'], ['c'], ['a'], ['d'], ['e']]);
    expect(commands('while read l; do e; done < <(find . | grep x)')).to.deep.equal([['read', 'l'], ['e'], ['find', '.'], ['grep', 'x']]);
    expect(hasPipe('a < <(b | c)')).to.equal(true);
    expect(commands('cat <<<$(a)')).to.deep.equal([['a'], ['cat']]);
  });

  it('puts a command after the substitutions of all its words, assignments and redirections, in the order they end', () => {
    expect(commands('A=$(a) b >$(c) $(d)')).to.deep.equal([['a'], ['c'], ['d'], ['b', '$(…)']]);
    expect(commands('x $(a $(b)) <(c)')).to.deep.equal([['b'], ['a', '$(…)'], ['c'], ['x', '$(…)', '$(…)']]);
  });

  it('reads the commands of substitutions in declarations, not the declarations', () => {
    expect(commands('export P=$(go env GOPATH) Q=`a`')).to.deep.equal([['go', 'env', 'GOPATH'], ['a']]);
    expect(commands('export $(grep -v ^# .env | xargs)')).to.deep.equal([['grep', '-v', '^#', '.env'], ['xargs']]);
    expect(hasPipe('local x=$(a | b)')).to.equal(true);
    expect(commands('declare -a x=($(a) [1]=$(b)); readonly r=$(c); let n=$(d)+1')).to.deep.equal([['a'], ['b'], ['c'], ['d']]);
  });

  it('reads the commands of substitutions in for lists, case words and patterns, [[ … ]]', () => {
    expect(commands('for f in $(ls a) `b`; do c $f; done')).to.deep.equal([['ls', 'a'], ['b'], ['c', '${f}']]);
    expect(commands('select x in $(a); do b; done')).to.deep.equal([['a'], ['b']]);
    expect(commands('case $(a) in $(b)|x) c;; esac')).to.deep.equal([['a'], ['b'], ['c']]);
    expect(commands('[[ -n $(a) && "$(b)" == $(c) || $x =~ $(d) ]] && e')).to.deep.equal([['a'], ['b'], ['c'], ['d'], ['e']]);
    expect(hasPipe('[[ $(a | b) ]]')).to.equal(true);
  });

  it('reads the commands of substitutions inside ${…} and arithmetic', () => {
    expect(commands('echo ${Y:-$(sudo id)} ${x#`a`} ${x/$(b)/"$(c)"} ${x[$(d)]} ${x:$(e):$(f)}')).to.deep.equal([
      ['sudo', 'id'],
      ['id'],
      ['a'],
      ['b'],
      ['c'],
      ['d'],
      ['e'],
      ['f'],
      ['echo', '$(…)', '$(…)', '$(…)', '$(…)', '$(…)'],
    ]);
    expect(commands('echo $(( $(a) + b[`c`] )) $[$(d)]; (( $(e) )); for (( i = $(f); i < 2; i++ )); do g; done')).to.deep.equal([
      ['a'],
      ['c'],
      ['d'],
      ['echo', '$(…)', '$(…)'],
      ['e'],
      ['f'],
      ['g'],
    ]);
    expect(hasPipe('echo ${x:-$(a | b)}')).to.equal(true);
  });

  it('does not read extended-glob patterns: their text is a pattern', () => {
    expect(commands('echo @($(a)|b)')).to.deep.equal([['echo', '$(…)']]);
    expect(hasPipe('echo +($(a | b))')).to.equal(false);
  });

  it('reads arithmetic: $((…)), $[…], ((…)) and for ((…)), rejecting malformed expressions', () => {
    expect(commands('echo $((1 + x * (2 - $y))) $[1+2]; ((i++)); ((a = b ? 1 : 2, c <<= 1))')).to.deep.equal([['echo', '$(…)', '$(…)']]);
    expect(commands('for ((i = 0; i < 3; i++)); do a; done')).to.deep.equal([['a']]);
    rejected('echo $((1 +))');
    rejected('echo $(( ))');
    rejected('((1 + 2)');
  });

  it('reads [[ … ]] as a test, not a command', () => {
    expect(commands('[[ -f x && $a =~ ^(a|b)$ || ! ( b < c ) ]] && b')).to.deep.equal([['b']]);
    rejected('[[ a = ]]');
    rejected('[[ -n x');
    rejected(']]');
  });

  it('reads every form of redirection, and none is a word', () => {
    expect(commands('a 2>&1 >/dev/null <in >>log &>all &>>all2 >|f <<<word 3<>f 4<&0 >&- b')).to.deep.equal([['a', 'b']]);
    expect(commands('>f a')).to.deep.equal([['a']]);
    expect(commands('{ a; } >f 2>&1; (b) <in')).to.deep.equal([['a'], ['b']]);
    rejected('a >');
    rejected('a > # comment');
  });

  it('reads here-documents, whose bodies follow on later lines and are not commands (but their substitutions are)', () => {
    expect(commands('cat <<EOF > f && echo after\napt-get install $x\nEOF\necho done')).to.deep.equal([['cat'], ['echo', 'after'], ['echo', 'done']]);
    expect(commands("cat <<-'EOF'\n\tapt-get $(\n\tEOF\nb")).to.deep.equal([['cat'], ['b']]);
    expect(commands('a <<A; b <<"B"\n1\nA\n2\nB\nc')).to.deep.equal([['a'], ['b'], ['c']]);
    expect(commands('echo $(cat <<EOF\nx\nEOF\n)')).to.deep.equal([['cat'], ['echo', '$(…)']]);
    // The substitutions of an unquoted body run: their commands come where the body stands.
    expect(commands('cat <<EOF > f && echo after\n$(a | b) `c` ${x:-$(d)}\nEOF\necho done')).to.deep.equal([['cat'], ['echo', 'after'], ['a'], ['b'], ['c'], ['d'], ['echo', 'done']]);
    expect(hasPipe('cat <<EOF\n$(a | b)\nEOF')).to.equal(true);
    expect(commands("cat <<'EOF'\n$(a)\nEOF\ncat <<\\E\n`b`\nE")).to.deep.equal([['cat'], ['cat']]);
    rejected('cat <<EOF\nno end');
    rejected('cat <<EOF\n$(unclosed\nEOF');
  });

  it('keeps prefix assignments out of the words, and reads arrays', () => {
    expect(commands('A=b C="d e" cmd x')).to.deep.equal([['cmd', 'x']]);
    expect(commands('A=b; a=(x "y z") a+=(w) b[1]=c')).to.deep.equal([]);
    expect(commands('echo A=b')).to.deep.equal([['echo', 'A=b']]);
    rejected('a=(x) cmd');
    rejected('a[1]=x cmd');
  });

  it('reads if, for, select, while, until and case', () => {
    expect(commands('if a; then b; elif c\nthen d; else e; fi')).to.deep.equal([['a'], ['b'], ['c'], ['d'], ['e']]);
    expect(commands('for i in 1 2; do a $i; done; for i; do b; done; for i do c; done')).to.deep.equal([['a', '${i}'], ['b'], ['c']]);
    expect(commands('select x in a b; do c; done')).to.deep.equal([['c']]);
    expect(commands('while a; do b; done; until c; do d; done')).to.deep.equal([['a'], ['b'], ['c'], ['d']]);
    expect(commands('case $x in a|b) c;; (d) e;& f) g;;& *) h\nesac')).to.deep.equal([['c'], ['e'], ['g'], ['h']]);
    expect(commands('case x in esac')).to.deep.equal([]);
    rejected('if a; then b');
    rejected('if a; then fi');
    rejected('while a; do done');
    rejected('for i in a; do b');
    rejected('case a in b) c');
    rejected('a; fi');
    rejected('a; done');
  });

  it('reads blocks, subshells and both forms of function definitions', () => {
    expect(commands('{ a; b; }; (c; d)')).to.deep.equal([['a'], ['b'], ['c'], ['d']]);
    expect(commands('f() { a; }; function g { b; }; function h() (c)')).to.deep.equal([['a'], ['b'], ['c']]);
    expect(commands('echo {} }')).to.deep.equal([['echo', '{}', '}']]);
    rejected('{ a');
    rejected('{ a }');
    rejected('(a');
    rejected(')');
    rejected('(a) b');
    rejected('echo a(b)');
  });

  it('reads as mvdan-sh does in corners: `<(…)` after a reserved word or `=`, `@()`, a glob in a function name, `time` and a comment', () => {
    expect(commands('}<(a) b')).to.deep.equal([['a'], ['', 'b']]);
    expect(commands('[[ <(a) ]]')).to.deep.equal([['a']]);
    expect(commands('y=<(a) c')).to.deep.equal([['a'], ['c']]);
    expect(commands('a@() b')).to.deep.equal([['b']]);
    rejected('x@(a|b)f() c');
    rejected('echo @()');
    expect(commands('{ time #c\n}')).to.deep.equal([]);
    rejected('time #c\n&& a');
  });

  it('reads time and coproc', () => {
    expect(commands('time a | b; time -p c; time')).to.deep.equal([['a'], ['b'], ['c']]);
    expect(commands('coproc a; coproc NAME { b; }; coproc c d')).to.deep.equal([['a'], ['b'], ['c', 'd']]);
  });

  it('takes reserved words as words outside command position', () => {
    expect(commands('echo if then fi do done case esac { } in')).to.deep.equal([['echo', 'if', 'then', 'fi', 'do', 'done', 'case', 'esac', '{', '}', 'in']]);
    expect(commands('A=1 if')).to.deep.equal([['if']]);
  });

  it('leaves declarations out: export, local, declare, readonly', () => {
    expect(commands('export A=1 B; local x=$(a); declare -a y=(1 2); readonly z && b')).to.deep.equal([['a'], ['b']]);
  });

  it('reads extended globs as one unknown word part', () => {
    expect(parseShell('rm -rf !(keep) *.@(o|a)', scope)!.commands[0]!.args.map((w) => w.known)).to.deep.equal([true, false, false]);
  });

  it('rejects what is not shell', () => {
    for (const text of [`echo 'a`, 'echo "a', 'a &&', 'a ||', 'a |', '; a', 'a;;', '& a', 'a & ;', '"$(")"']) rejected(text);
  });

  it('looks through sudo, env and the other wrappers', () => {
    expect(commands('sudo -E apt-get install x; env A=1 pip install y')).to.deep.equal([
      ['sudo', '-E', 'apt-get', 'install', 'x'],
      ['apt-get', 'install', 'x'],
      ['env', 'A=1', 'pip', 'install', 'y'],
      ['pip', 'install', 'y'],
    ]);
  });

  it('reads long && chains and deep nesting', () => {
    const chain = Array.from({ length: 500 }, (_, i) => `c${i}`).join(' && ');
    expect(commands(chain)).to.have.length(500);
    expect(commands('echo ' + '$('.repeat(100) + 'a' + ')'.repeat(100))).to.have.length(101);
  });

  it('reads the same with parsed scripts kept (a language server) as without, each with its own variables', () => {
    const text = 'apt-get install -y "pkg=$V" && echo $A | sort';
    const other = new Scope(new Map([['V', '2.0']]), new Map(), false);
    const plain = [parseShell(text, scope), parseShell(text, other)];
    keepParsedScripts(true);
    try {
      expect([parseShell(text, scope), parseShell(text, other), parseShell(text, scope)]).to.deep.equal([...plain, plain[0]]);
    } finally {
      keepParsedScripts(false);
    }
    expect(plain[0]!.commands[0]!.args.map((w) => w.text)).to.deep.equal(['install', '-y', 'pkg=1.0']);
    expect(plain[1]!.commands[0]!.args.map((w) => w.text)).to.deep.equal(['install', '-y', 'pkg=2.0']);
  });
});
