// grammar/ is generated from the parser; it must match what the parser says now.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { grammarDocs } from '../src/index.js';
import { repoRoot } from './corpus.js';

describe('grammar/', function () {
  for (const [name, content] of Object.entries(grammarDocs())) {
    it(`${name} is current (regenerate with npm run grammar)`, function () {
      const file = path.join(repoRoot, 'grammar', name);
      expect(fs.existsSync(file), `${file} is missing: run npm run grammar`).to.equal(true);
      expect(fs.readFileSync(file, 'utf8') === content, `${file} is stale: run npm run grammar`).to.equal(true);
    });
  }

  it('documents every instruction and every diagnostic code', function () {
    const reference = grammarDocs()['README.md']!;
    for (const name of ['FROM', 'RUN', 'HEALTHCHECK', 'ONBUILD', 'SHELL']) expect(reference).to.contain(`### ${name}`);
    expect(reference).to.contain('| DF007 | unterminated-heredoc |');
  });
});
