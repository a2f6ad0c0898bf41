// BuildKit's own expansion vectors (shell/envVarTest, shell/wordsTest) from the shared corpus,
// read in place: the corpus is other people's data and is not part of this repository.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { expandWord, expandWords } from '../src/index.js';

// dist/test/<file>.js → packages/ir/dist/test → repository root is four levels up.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus', 'buildkit');
const shellDir = path.join(corpus, 'shell');

/** Lines as Go's bufio.Scanner yields them: split on \n, a trailing \r removed. */
function linesOf(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Go's strings.TrimSpace for the ASCII blanks the files use. */
const trim = (s: string): string => s.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');

describe('expansion conformance with BuildKit (shared corpus)', function () {
  before(function () {
    if (!existsSync(shellDir)) {
      console.log(`    BuildKit corpus not found at ${shellDir}: conformance vectors skipped`);
      this.skip();
    }
  });

  it('envVarTest: every A and U line expands as BuildKit expands it (ProcessWord)', function () {
    const env = new Map([
      ['PWD', '/home'],
      ['SHELL', 'bash'],
      ['KOREAN', '한국어'],
      ['NULL', ''],
    ]);
    const failures: string[] = [];
    let run = 0;
    linesOf(path.join(shellDir, 'envVarTest')).forEach((line, index) => {
      if (line.startsWith('#')) return;
      const trimmed = trim(line);
      if (trimmed === '') return;
      const fields = trimmed.split('|');
      expect(fields, `envVarTest:${index + 1} must have 3 fields`).to.have.length(3);
      const [platform, input, expected] = fields.map(trim) as [string, string, string];
      expect(['A', 'U', 'W'], `envVarTest:${index + 1} platform`).to.include(platform);
      if (platform === 'W') return;
      run++;
      const result = expandWord(input, env);
      const got = result.ok ? result.value : 'error';
      if (expected === 'error' ? result.ok : got !== expected) {
        failures.push(`envVarTest:${index + 1}: ${JSON.stringify(input)} → ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
      }
    });
    console.log(`    envVarTest: ${run - failures.length}/${run} lines pass`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('wordsTest: every line expands and splits as BuildKit does (ProcessWords)', function () {
    const env = new Map<string, string>();
    const failures: string[] = [];
    let run = 0;
    linesOf(path.join(shellDir, 'wordsTest')).forEach((line, index) => {
      if (line.startsWith('#')) return;
      if (line.startsWith('ENV ')) {
        const assignment = line.slice(3).replace(/^ +/, '');
        const eq = assignment.indexOf('=');
        if (eq < 0) env.set(assignment, '');
        else env.set(assignment.slice(0, eq), assignment.slice(eq + 1));
        return;
      }
      const sides = line.split('|');
      expect(sides, `wordsTest:${index + 1} must have exactly one |`).to.have.length(2);
      const input = trim(sides[0]!);
      const expected = sides[1]!.replace(/^ +/, '').split(',');
      run++;
      const result = expandWords(input, env);
      const got = result.ok ? result.value : ['error'];
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        failures.push(`wordsTest:${index + 1}: ${JSON.stringify(input)} → ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
      }
    });
    console.log(`    wordsTest: ${run - failures.length}/${run} lines pass`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });
});
