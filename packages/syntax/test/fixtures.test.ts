// The project's own parser fixtures (fixtures/parse/*): BuildKit's dump format, an outline of
// every node with its range, and the diagnostics. Regenerate with scripts/update-goldens.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { dumpBuildkit, parse, print } from '../src/index.js';
import { repoRoot } from './corpus.js';
import { formatDiagnostics, outline } from './outline.js';

describe('parser fixtures', function () {
  const dir = path.join(repoRoot, 'fixtures', 'parse');
  for (const name of fs.readdirSync(dir).sort()) {
    it(name, function () {
      const read = (file: string): string => fs.readFileSync(path.join(dir, name, file), 'utf8');
      const text = read('Dockerfile');
      const result = parse(text);
      expect(print(result.ast), 'round trip').to.equal(text);
      expect(dumpBuildkit(result.ast), 'dump').to.equal(read('dump'));
      expect(outline(result), 'outline').to.equal(read('outline'));
      expect(formatDiagnostics(result.diagnostics), 'diagnostics').to.equal(read('diagnostics'));
    });
  }
});
