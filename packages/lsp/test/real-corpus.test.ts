// Real-world Dockerfiles (../shared/corpus/real): no feature may throw anywhere in them, the
// outline and folds must be well-formed, and formatting must settle after one pass.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { DocumentSymbol, Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  analyze, codeActions, completion, definition, documentSymbols, foldingRanges, formatDocument, hover, prepareRename, type Analysis,
} from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus', 'real', 'files');

const inside = (inner: Range, outer: Range) =>
  (inner.start.line > outer.start.line || (inner.start.line === outer.start.line && inner.start.character >= outer.start.character)) &&
  (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));

function checkSymbols(symbols: DocumentSymbol[], file: string): void {
  for (const s of symbols) {
    expect(s.name, file).to.not.equal('');
    expect(inside(s.selectionRange, s.range), `${file}: ${s.name}`).to.equal(true);
    for (const child of s.children ?? []) expect(inside(child.range, s.range), `${file}: ${s.name} > ${child.name}`).to.equal(true);
    checkSymbols(s.children ?? [], file);
  }
}

/** Positions worth asking about on each line: its start (keywords), a few columns in (flags), its end. */
function positionsOf(a: Analysis): { line: number; character: number }[] {
  const positions = [];
  for (let line = 0; line < a.lineStarts.length; line++) {
    const end = (a.lineStarts[line + 1] ?? a.text.length + 1) - 1 - a.lineStarts[line]!;
    for (const character of new Set([0, Math.min(5, end), end])) positions.push({ line, character });
  }
  return positions;
}

describe('the language features on real-world Dockerfiles', function () {
  it('never throw, give well-formed outlines and folds, and format in one pass', function () {
    if (!fs.existsSync(corpus)) {
      console.log(`      SKIPPED: corpus not found at ${corpus}; these tests did not run`);
      this.skip();
    }
    // One file in five: linting all of them takes longer than this check is worth in every run.
    const files = fs.readdirSync(corpus).sort().filter((_, i) => i % 5 === 0);
    let formatted = 0;
    let requests = 0;
    for (const name of files) {
      const text = fs.readFileSync(path.join(corpus, name), 'utf8');
      const a = analyze(text);
      checkSymbols(documentSymbols(a), name);
      for (const fold of foldingRanges(a)) {
        expect(fold.startLine, name).to.be.lessThan(fold.endLine);
        expect(fold.endLine, name).to.be.lessThan(a.lineStarts.length);
      }
      const edits = formatDocument(a);
      if (edits.length > 0) {
        formatted++;
        const once = TextDocument.applyEdits(TextDocument.create('file:///x', 'dockerfile', 1, text), edits);
        expect(formatDocument(analyze(once)), `${name} formats again`).to.deep.equal([]);
      }
      for (const p of positionsOf(a)) {
        hover(a, p);
        completion(a, p);
        definition(a, p);
        prepareRename(a, p);
        codeActions(a, 'file:///x', { start: p, end: p });
        requests++;
      }
    }
    console.log(`      ${files.length} files, ${formatted} with formatting edits, ${requests} positions asked about`);
  });
});
