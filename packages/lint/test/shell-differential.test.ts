// lint's shell parser against mvdan-sh on real RUN lines: every shell-form RUN of the real-world
// corpus (../shared/corpus/real) and of the project's fixtures gives the same commands, words and
// pipes, or is rejected by both.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type Instruction } from '@dfc/syntax';
import { runScriptText } from '../src/rule.js';
import { parseRaw } from '../src/shell.js';
import { referenceRawScript } from './shell-reference.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..', '..');
const corpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'real', 'files');
const buildkitCorpusDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'buildkit');

/**
 * Texts where the two parsers are allowed to differ, each with the reason. Empty: none found.
 * (mvdan-sh's own bugs are corrected in shell-reference.ts instead, where they are few and general:
 * its UTF-8 read as bytes.)
 */
const ALLOWED: ReadonlyMap<string, string> = new Map();

function runTexts(dockerfile: string, into: Set<string>): void {
  const visit = (instr: Instruction | undefined): void => {
    if (instr?.name === 'ONBUILD') visit(instr.trigger);
    else if (instr?.name === 'RUN') {
      const text = runScriptText(instr);
      if (text !== undefined) into.add(text);
    }
  };
  for (const instr of parse(dockerfile).ast.instructions) visit(instr);
}

/**
 * Shell text lint does not parse, as more input of the same kind: CMD/ENTRYPOINT shell forms,
 * every here-document body, RUN lines that open here-documents (all RUNs with `allRuns`).
 */
function otherShellTexts(dockerfile: string, into: Set<string>, allRuns: boolean): void {
  for (const instr of parse(dockerfile).ast.instructions) {
    if (instr.name === 'RUN' || instr.name === 'CMD' || instr.name === 'ENTRYPOINT') {
      const rest = instr.name !== 'RUN' || allRuns || instr.heredocs.length > 0;
      if (instr.command?.form === 'shell' && rest) into.add(instr.command.text.value);
    }
    if ('heredocs' in instr) for (const h of instr.heredocs) into.add(h.content);
  }
}

/** Files under a folder, every depth. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Dockerfiles under a folder (by name: Dockerfile, *.Dockerfile, Dockerfile.*), build outputs left out. */
function dockerfilesUnder(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...dockerfilesUnder(p));
    } else if (/dockerfile/i.test(entry.name)) out.push(p);
  }
  return out;
}

/** Mismatches, each with its text, and how many texts were compared. */
function compare(texts: Iterable<string>): { compared: number; rejected: number; mismatches: string[] } {
  let compared = 0;
  let rejected = 0;
  const mismatches: string[] = [];
  for (const text of texts) {
    compared++;
    const ours = parseRaw(text);
    const theirs = referenceRawScript(text);
    if (theirs === null) rejected++;
    try {
      expect(ours).to.deep.equal(theirs);
    } catch {
      if (ALLOWED.has(text)) continue;
      mismatches.push(`${JSON.stringify(text)}\n  mvdan-sh: ${JSON.stringify(theirs)}\n  ours:     ${JSON.stringify(ours)}`);
    }
  }
  return { compared, rejected, mismatches };
}

describe('shell parser against mvdan-sh', function () {
  this.timeout(600_000);

  it("agrees on every shell-form RUN of the project's fixtures", function () {
    const texts = new Set<string>();
    const files = [...dockerfilesUnder(path.join(repoRoot, 'fixtures')), ...fs.readdirSync(path.join(repoRoot, 'packages')).flatMap((p) => dockerfilesUnder(path.join(repoRoot, 'packages', p, 'test')))];
    for (const file of files) runTexts(fs.readFileSync(file, 'utf8'), texts);
    const result = compare(texts);
    console.log(`      ${result.compared} RUN texts from ${files.length} fixture Dockerfiles, ${result.rejected} rejected by both`);
    expect(result.mismatches).to.deep.equal([]);
    expect(result.compared).to.be.greaterThan(20);
  });

  it('agrees on every shell-form RUN of the real-world corpus', function () {
    if (!fs.existsSync(corpusDir)) {
      console.log(`      SKIPPED: corpus absent (not found at ${corpusDir}); the differential test on real RUN lines did not run`);
      this.skip();
    }
    const texts = new Set<string>();
    const names = fs.readdirSync(corpusDir).sort();
    for (const name of names) runTexts(fs.readFileSync(path.join(corpusDir, name), 'utf8'), texts);
    const result = compare(texts);
    console.log(`      ${result.compared} distinct RUN texts from ${names.length} files, ${result.rejected} rejected by both, ${result.mismatches.length} mismatches`);
    expect(result.mismatches.slice(0, 20)).to.deep.equal([]);
    expect(result.compared).to.be.greaterThan(3000);
  });

  it('agrees on the rest of the corpora: CMD and ENTRYPOINT shell forms, here-document bodies, the BuildKit corpus', function () {
    if (!fs.existsSync(corpusDir)) {
      console.log(`      SKIPPED: corpus absent (not found at ${corpusDir}); the differential test on other shell text did not run`);
      this.skip();
    }
    const texts = new Set<string>();
    for (const name of fs.readdirSync(corpusDir)) otherShellTexts(fs.readFileSync(path.join(corpusDir, name), 'utf8'), texts, false);
    if (fs.existsSync(buildkitCorpusDir)) for (const file of filesUnder(buildkitCorpusDir)) otherShellTexts(fs.readFileSync(file, 'utf8'), texts, true);
    const result = compare(texts);
    console.log(`      ${result.compared} texts, ${result.rejected} rejected by both, ${result.mismatches.length} mismatches`);
    expect(result.mismatches.slice(0, 20)).to.deep.equal([]);
  });

  it('has a reason for every allowed difference', function () {
    for (const [text, reason] of ALLOWED) expect(reason, text).to.match(/\w{4}/);
  });
});
