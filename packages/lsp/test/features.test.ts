// The features as pure functions of a document's analysis, on the cases a session over the
// wire would not reach easily: scoping rules, odd line endings, byte-order marks, heredocs.
import { expect } from 'chai';
import type { Diagnostic } from '@dfc/syntax';
import type { MarkupContent, TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, codeActions, completion, definition, formatDocument, hover, renameStage, type Analysis } from '../src/index.js';

const at = (line: number, character: number) => ({ line, character });
const hoverText = (a: Analysis, line: number, character: number) => {
  const h = hover(a, at(line, character));
  return h ? (h.contents as MarkupContent).value : '';
};
const apply = (text: string, edits: TextEdit[]) => TextDocument.applyEdits(TextDocument.create('file:///x', 'dockerfile', 1, text), edits);

describe('variables in hover and definition', () => {
  const text = [
    'ARG GLOBAL=g1',
    'ARG ONLY_GLOBAL=x',
    'FROM alpine AS base',
    'ARG GLOBAL',
    'ARG NAME=from-arg',
    'ENV NAME=from-env',
    'ARG NAME=again',
    'ENV A=1 B=$A',
    'RUN echo $NAME $GLOBAL $ONLY_GLOBAL $B \\$NAME',
    'FROM base',
    'RUN echo $NAME $A',
  ].join('\n');
  const a = analyze(text);

  it('lets ENV win over an ARG of the same name, whatever their order', () => {
    expect(hoverText(a, 8, 11)).to.include('`from-env`').and.include('environment variable').and.include('line 6');
  });

  it('gives a bare ARG in a stage the global default, and goes to the global ARG from it', () => {
    expect(hoverText(a, 8, 18)).to.include('`g1`').and.include('global ARG on line 1');
    expect(definition(a, at(3, 6))).to.deep.equal({ start: at(0, 4), end: at(0, 10) });
  });

  it('does not show a global ARG inside a stage that did not declare it', () => {
    expect(hoverText(a, 8, 26)).to.include('not set in this file');
    expect(definition(a, at(8, 26))).to.equal(null);
  });

  it('expands every pair of one ENV against the variables before it, as BuildKit does', () => {
    expect(hoverText(a, 8, 38)).to.match(/\*\*B\*\* \(environment variable\) = ``/).and.include('`$A`');
  });

  it('ignores an escaped $', () => {
    expect(hover(a, at(8, 42))).to.equal(null);
  });

  it('carries ENV, not ARG, into a stage built on another', () => {
    expect(hoverText(a, 10, 11)).to.include('`from-env`');
    expect(hoverText(a, 10, 17)).to.include('`1`');
  });

  it('carries ENV into a stage whose FROM names it through an ARG', () => {
    const b = analyze('ARG STAGE=base\nFROM alpine AS base\nENV X=1\nFROM ${STAGE}\nRUN echo $X\n');
    expect(hoverText(b, 4, 11)).to.include('`1`');
  });

  it('names predefined platform ARGs in FROM', () => {
    const b = analyze('FROM --platform=$BUILDPLATFORM alpine\n');
    expect(hoverText(b, 0, 20)).to.include('predefined by BuildKit');
  });
});

describe('hover on ignore comments', () => {
  it('says what the rule under the cursor checks', () => {
    const a = analyze('FROM alpine\n# dfc ignore=DF010,DF003\nRUN true\n');
    expect(hoverText(a, 1, 15)).to.include('Empty line inside a continued instruction');
    expect(hoverText(a, 1, 20)).to.include('Unknown flag');
    expect(hoverText(a, 1, 4)).to.equal('');
  });
});

describe('positions', () => {
  it('counts no column for a byte-order mark', () => {
    const a = analyze('\uFEFFfrom alpine  \nRUN true\n');
    expect(hoverText(a, 0, 1)).to.include('Starts a build stage');
    expect(apply(a.text, formatDocument(a))).to.equal('\uFEFFFROM alpine\nRUN true\n');
  });

  it('keeps CRLF line ends when formatting and when inserting an ignore comment', () => {
    const text = 'FROM alpine \r\nrun true\t\r\n';
    const a = analyze(text);
    expect(apply(text, formatDocument(a))).to.equal('FROM alpine\r\nRUN true\r\n');
    const warning: Diagnostic = { code: 'StageNameCasing', severity: 'warning', message: 'x', range: a.ast.instructions[1]!.keywordRange };
    const actions = codeActions({ ...a, diagnostics: [warning] }, 'file:///x', { start: at(1, 0), end: at(1, 0) });
    expect(apply(text, actions[0]!.edit!.changes!['file:///x']!)).to.equal('FROM alpine \r\n# dfc ignore=StageNameCasing\r\nrun true\t\r\n');
  });
});

describe('formatting', () => {
  it('upper-cases keywords (and AS), also in ONBUILD, and drops trailing blanks', () => {
    const text = 'from alpine as build \nonbuild run make\ncopy . /src   \\\n  /dst\n';
    const a = analyze(text);
    expect(apply(text, formatDocument(a))).to.equal('FROM alpine AS build\nONBUILD RUN make\nCOPY . /src   \\\n  /dst\n');
  });

  it('drops blanks after a line continuation, which BuildKit ignores too', () => {
    const text = 'FROM alpine\nRUN a \\  \n  b\n';
    expect(apply(text, formatDocument(analyze(text)))).to.equal('FROM alpine\nRUN a \\\n  b\n');
  });

  it('leaves heredoc bodies, terminators, unknown instructions and split keywords alone', () => {
    const text = 'FROM alpine\nrun <<EOF \necho hi  \nEOF\nfrobnicate  x \nr\\\nun true\n';
    const a = analyze(text);
    expect(apply(text, formatDocument(a))).to.equal('FROM alpine\nRUN <<EOF\necho hi  \nEOF\nfrobnicate  x\nr\\\nun true\n');
  });

  it('offers nothing for a file already formatted', () => {
    expect(formatDocument(analyze('FROM alpine\nRUN true\n'))).to.deep.equal([]);
  });
});

describe('code actions', () => {
  const text = 'FROM debian\n  # hadolint ignore=DL3008\n  RUN apt-get install -y curl\n';
  const a = analyze(text);
  const run = a.ast.instructions[1]!;
  const diagnostics: Diagnostic[] = [
    { code: 'DL3009', severity: 'info', message: 'Delete the apt-get lists', range: run.range },
    { code: 'DL3015', severity: 'info', message: 'Avoid additional packages', range: run.range, fix: { title: 'Add --no-install-recommends', edits: [{ range: { start: run.range.end, end: run.range.end }, newText: ' --no-install-recommends' }] } },
  ];
  const actions = codeActions({ ...a, diagnostics }, 'file:///x', { start: at(2, 4), end: at(2, 4) });

  it('puts the fixes first, then one ignore per rule', () => {
    expect(actions.map((x) => x.title)).to.deep.equal([
      'Add --no-install-recommends', 'Ignore DL3009 for this instruction', 'Ignore DL3015 for this instruction', 'Fix all auto-fixable problems (dfc)',
    ]);
    expect(actions[0]!.isPreferred).to.equal(true);
  });

  it('extends a hadolint ignore comment right above the instruction', () => {
    expect(apply(text, actions[1]!.edit!.changes!['file:///x']!)).to.include('  # hadolint ignore=DL3008,DL3009\n  RUN apt-get');
  });

  it('offers no way to ignore a syntax error', () => {
    const parsed = analyze('FROM alpine\nRUN2 true\n');
    const broken = { ...parsed, diagnostics: parsed.diagnostics.filter((d) => d.code === 'DF001') };
    const titles = codeActions(broken, 'file:///x', { start: at(1, 0), end: at(1, 4) }).map((x) => x.title);
    expect(titles).to.deep.equal(['Change to RUN', 'Fix all auto-fixable problems (dfc)']);
  });

  it('answers only with the kinds the client asks for', () => {
    const range = { start: at(2, 4), end: at(2, 4) };
    expect(codeActions({ ...a, diagnostics }, 'file:///x', range, ['refactor'])).to.deep.equal([]);
    expect(codeActions({ ...a, diagnostics }, 'file:///x', range, ['source']).map((x) => x.kind)).to.deep.equal(['source.fixAll']);
  });

  it('fixes everything at once, skipping an edit that overlaps an earlier one', () => {
    const text = 'from alpine\nrun true\n';
    const b = analyze(text);
    const [from, run] = b.ast.instructions;
    const fixes: Diagnostic[] = [
      { code: 'X', severity: 'warning', message: '', range: from!.keywordRange, fix: { title: 't', edits: [{ range: from!.keywordRange, newText: 'FROM' }] } },
      { code: 'Y', severity: 'warning', message: '', range: from!.keywordRange, fix: { title: 't', edits: [{ range: from!.keywordRange, newText: 'From' }] } },
      { code: 'Z', severity: 'warning', message: '', range: run!.keywordRange, fix: { title: 't', edits: [{ range: run!.keywordRange, newText: 'RUN' }] } },
    ];
    const all = codeActions({ ...b, diagnostics: fixes }, 'file:///x', { start: at(0, 0), end: at(0, 0) }, ['source.fixAll']);
    expect(apply(text, all[0]!.edit!.changes!['file:///x']!)).to.equal('FROM alpine\nRUN true\n');
  });
});

describe('completion', () => {
  it('offers trigger instructions after ONBUILD, replacing what was typed', () => {
    const a = analyze('FROM alpine\nONBUILD ru\n');
    const items = completion(a, at(1, 10));
    expect(items.map((i) => i.label)).to.include('RUN').and.not.include('FROM').and.not.include('ONBUILD');
    expect(items[0]!.textEdit).to.deep.include({ range: { start: at(1, 8), end: at(1, 10) } });
  });

  it('replaces the whole keyword under the cursor, without a second space', () => {
    const a = analyze('FROM alpine\nRU echo hi\n');
    const run = completion(a, at(1, 1)).find((i) => i.label === 'RUN')!;
    expect(run.textEdit).to.deep.equal({ range: { start: at(1, 0), end: at(1, 2) }, newText: 'RUN' });
    const fresh = completion(analyze('FROM alpine\nRU\n'), at(1, 2)).find((i) => i.label === 'RUN')!;
    expect(fresh.textEdit).to.deep.equal({ range: { start: at(1, 0), end: at(1, 2) }, newText: 'RUN ' });
  });

  it('offers no instruction inside a continued instruction or a heredoc body', () => {
    const a = analyze('FROM alpine\nRUN <<EOF\nech\nEOF\nRUN a \\\n  b\n');
    expect(completion(a, at(2, 3))).to.deep.equal([]);
    expect(completion(a, at(5, 3))).to.deep.equal([]);
  });

  it('offers earlier stages after FROM and in RUN --mount from=', () => {
    const a = analyze('FROM alpine AS deps\nFROM alpine AS app\nRUN --mount=type=cache,from=\nFROM \n');
    expect(completion(a, at(2, 28)).map((i) => i.label)).to.deep.equal(['deps']);
    expect(completion(a, at(3, 5)).map((i) => i.label)).to.deep.equal(['deps', 'app']);
  });

  it('offers flags only before the arguments', () => {
    const a = analyze('FROM alpine\nRUN --\nRUN echo --\n');
    expect(completion(a, at(1, 6)).map((i) => i.label)).to.deep.equal(['--mount', '--network', '--security']);
    expect(completion(a, at(2, 11))).to.deep.equal([]);
  });
});

describe('rename', () => {
  const text = 'FROM alpine AS a\nFROM alpine AS b\nCOPY --from=A /x /y\nCOPY --from=0 /x /y\n';
  it('refuses a name another stage has', () => {
    expect(renameStage(analyze(text), at(0, 15), 'B')).to.deep.include({ ok: false });
  });
  it('finds references written in another case', () => {
    const result = renameStage(analyze(text), at(0, 15), 'base');
    expect(result.ok && apply(text, result.edits)).to.equal('FROM alpine AS base\nFROM alpine AS b\nCOPY --from=base /x /y\nCOPY --from=0 /x /y\n');
  });
  it('goes from a stage index to the stage, but renames no index', () => {
    const a = analyze(text);
    expect(definition(a, at(3, 12))).to.deep.equal({ start: at(0, 15), end: at(0, 16) });
    expect(renameStage(a, at(3, 12), 'x')).to.deep.include({ ok: false });
  });
});
