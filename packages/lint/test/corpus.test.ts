// The real-world corpus (../shared/corpus/real): lint every file with all default rules; none
// may throw or hit a rule bug, and every finding must point inside its file.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintText } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '..', '..', '..', '..', '..', 'shared', 'corpus', 'real', 'files');

describe('lint on the real-world corpus', function () {
  this.timeout(600_000);
  it('lints every file without a throw or a rule failure, with ranges inside the file', function () {
    if (!fs.existsSync(dir)) {
      console.log(`      SKIPPED: corpus not found at ${dir}; the real-corpus lint test did not run`);
      this.skip();
    }
    const problems: string[] = [];
    let findings = 0;
    const names = fs.readdirSync(dir).sort();
    for (const name of names) {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      try {
        for (const d of lintText(text).diagnostics) {
          findings++;
          if (d.code === 'LintInternalError') problems.push(`${name}: ${d.message}`);
          if (d.range.start.offset < 0 || d.range.end.offset > text.length || d.range.start.offset > d.range.end.offset) problems.push(`${name}: ${d.code} range outside the file`);
        }
      } catch (err) {
        problems.push(`${name}: threw ${(err as Error).message}`);
      }
    }
    expect(problems).to.deep.equal([]);
    expect(names.length).to.be.greaterThan(1000);
    expect(findings).to.be.greaterThan(names.length);
  });
});
