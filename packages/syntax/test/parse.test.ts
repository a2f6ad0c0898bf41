// Behaviour of parse() that the fixture goldens do not show on their own.
import { expect } from 'chai';
import { parse, print, type CopyInstruction, type Instruction, type CommandInstruction } from '../src/index.js';
import { treeProblems } from './tree-checks.js';

function only<T extends Instruction>(text: string, index = 0): T {
  return parse(text).ast.instructions[index] as T;
}

function codes(text: string): string[] {
  return parse(text).diagnostics.map((d) => d.code);
}

describe('parse', function () {
  it('never throws and round-trips odd input', function () {
    const inputs = [
      '', '\n', '\r', '\r\r\n', '\\', '`', '#', '\ufeff', '\ufeff\\', 'RUN \\', 'RUN <<', 'RUN <<EOF', 'RUN <<"EOF',
      'CMD [', 'CMD ["', 'CMD ["\\', '\u0000\u0001', 'FROM\u00a0x', '\\\n\\\n', 'RUN a\\\n#c\n\n', 'ONBUILD', 'ONBUILD ONBUILD',
      'RUN x\r', 'RUN x\r\r', 'RUN \udc00\ud800', 'ENV a="', "ARG a='", 'COPY <<A <<B\nA\n', 'HEALTHCHECK --interval',
    ];
    for (const text of inputs) {
      const { ast } = parse(text);
      expect(print(ast), JSON.stringify(text)).to.equal(text);
      expect(treeProblems(ast, text), JSON.stringify(text)).to.deep.equal([]);
    }
  });

  it('gives positions counted from 1, with a BOM taking no column', function () {
    const { ast } = parse('\ufeffFROM a\n  RUN b\n');
    expect(ast.instructions[0]!.keywordRange.start).to.deep.equal({ line: 1, column: 1, offset: 1 });
    expect(ast.instructions[1]!.keywordRange.start).to.deep.equal({ line: 2, column: 3, offset: 10 });
  });

  it('serializes ranges as plain positions', function () {
    const json = JSON.parse(JSON.stringify(parse('FROM a\n').ast.instructions[0]!.range));
    expect(json).to.deep.equal({ start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 7, offset: 6 } });
  });

  describe('continuations', function () {
    it('keeps the character before the escape and the indentation after it', function () {
      const run = only<CommandInstruction>('RUN a \\\n  b\\\n c\n');
      expect(run.args?.value).to.equal('a   b c');
    });

    it('does not continue after an escaped escape', function () {
      const { ast } = parse('RUN a\\\\\nRUN b\n');
      expect(ast.instructions).to.have.length(2);
    });

    it('uses the escape directive: backtick continues, backslash is literal', function () {
      const { ast } = parse('# escape=`\nRUN a `\n b\nCOPY a\\ b\\ c\n');
      expect(ast.escapeChar).to.equal('`');
      expect(ast.instructions[0]!.args?.value).to.equal('a  b');
      expect(ast.instructions[1]!.argNodes.map((w) => w.value)).to.deep.equal(['a\\', 'b\\', 'c']);
    });

    it('maps argument ranges across continuation lines', function () {
      const env = only('ENV A=1 \\\n    B=2\n');
      const b = env.argNodes[3]!;
      expect(b.value).to.equal('B');
      expect([b.range.start.line, b.range.start.column]).to.deep.equal([2, 5]);
    });

    it('warns once per instruction about empty continuation lines, with a fix', function () {
      const { diagnostics } = parse('RUN a \\\n\n  b \\\n\n  c\n');
      const warnings = diagnostics.filter((d) => d.code === 'DF010');
      expect(warnings).to.have.length(1);
      expect(warnings[0]!.fix?.edits).to.have.length(2);
    });
  });

  describe('heredocs', function () {
    it('reads a CRLF body verbatim and finds the terminator before the CR', function () {
      const run = only<CommandInstruction>('RUN <<EOF\r\necho a\r\nEOF\r\nCMD x\r\n');
      expect(run.heredocs[0]!.content).to.equal('echo a\r\n');
      expect(parse('RUN <<EOF\r\necho a\r\nEOF\r\nCMD x\r\n').ast.instructions).to.have.length(2);
    });

    it('strips leading tabs when looking for a <<- terminator', function () {
      const run = only<CommandInstruction>('RUN <<-EOT\n\tx\n\t\tEOT\n');
      expect(run.heredocs[0]!.content).to.equal('\tx\n');
      expect(run.heredocs[0]!.chomp).to.equal(true);
    });

    it('does not expand a body whose name is quoted, in part or whole', function () {
      expect(only('RUN <<"EOF"\nx\nEOF\n').heredocs[0]!.expand).to.equal(false);
      expect(only("RUN <<E'O'F\nx\nEOF\n").heredocs[0]!.name).to.equal('EOF');
      expect(only('RUN <<EOF\nx\nEOF\n').heredocs[0]!.expand).to.equal(true);
    });

    it('accepts a quoted terminator with a space', function () {
      expect(only("RUN <<'one two'\nx\none two\n").heredocs[0]!.content).to.equal('x\n');
    });

    it('only for RUN, COPY and ADD in shell form', function () {
      expect(parse('USER <<EOF\nEOF\n').ast.instructions).to.have.length(2);
      expect(parse('RUN ["<<EOF"]\nEOF\n').ast.instructions).to.have.length(2);
      expect(only<CopyInstruction>('ADD <<a /a\nbody\na\n').heredocs).to.have.length(1);
    });

    it('reports a malformed marker and a heredoc destination', function () {
      expect(codes("RUN <<'EOF\n")).to.include('DF020');
      expect(codes('COPY a <<EOF\nEOF\n')).to.include('DF020');
    });

    it('reports an unterminated heredoc and keeps parsing the lines after it', function () {
      const { ast, diagnostics } = parse('RUN <<EOF\nFROM alpine\n');
      expect(diagnostics.map((d) => d.code)).to.include('DF007');
      expect(ast.instructions.map((i) => i.name)).to.deep.equal(['RUN', 'FROM']);
    });
  });

  describe('directives', function () {
    it('rejects an escape that is not a backslash or backtick', function () {
      const { ast, diagnostics } = parse('# escape=x\nFROM a\n');
      expect(diagnostics[0]!.code).to.equal('DF012');
      expect(ast.escapeChar).to.equal('\\');
    });

    it('rejects a directive given twice', function () {
      expect(codes('# syntax=a\n# syntax=b\nFROM a\n')).to.include('DF011');
    });

    it('reads directive names case-insensitively, with spaces around =', function () {
      const { ast } = parse('#  ESCAPE = `\nFROM a\n');
      expect(ast.directives[0]!.name).to.equal('escape');
      expect(ast.escapeChar).to.equal('`');
    });

    it('ends the directive block at an unknown directive', function () {
      const { ast } = parse('# foo=bar\n# escape=`\nFROM a\n');
      expect(ast.directives).to.have.length(0);
      expect(ast.escapeChar).to.equal('\\');
    });
  });

  describe('exec form', function () {
    it('decodes JSON strings', function () {
      const cmd = only<CommandInstruction>('CMD ["a\\tb", "\\u00e9", "\\/"]');
      expect(cmd.command?.form).to.equal('exec');
      expect(cmd.argNodes.map((w) => w.value)).to.deep.equal(['a\tb', 'é', '/']);
    });

    it('errors on a valid array of something other than strings, in any exec-form instruction', function () {
      for (const text of ['CMD [1]', 'RUN ["a", null]', 'ENTRYPOINT [["a"]]', 'COPY ["a", {}]', 'SHELL [true]']) {
        expect(codes(text), text).to.include('DF005');
      }
    });

    it('needs SHELL in JSON form', function () {
      expect(codes('SHELL ["/bin/sh", "-c"]')).to.not.include('DF019');
      expect(codes('SHELL /bin/sh -c')).to.include('DF019');
    });
  });

  describe('limits', function () {
    it('reports a physical line over 65,535 bytes', function () {
      const long = 'RUN echo ' + 'é'.repeat(40000) + '\n';
      expect(codes(long)).to.include('DF015');
      expect(codes('RUN echo ' + 'a'.repeat(60000) + '\n')).to.not.include('DF015');
    });
  });

  describe('unknown instructions', function () {
    it('suggests the nearest keyword and offers a fix for a mere case or typo difference', function () {
      const d = parse('FORM alpine\n').diagnostics[0]!;
      expect(d.message).to.equal('unknown instruction: FORM (did you mean FROM?)');
      const cased = parse('ENTRY-POINT x\n').diagnostics[0]!;
      expect(cased.fix?.edits[0]?.newText).to.equal('ENTRYPOINT');
    });
  });
});
