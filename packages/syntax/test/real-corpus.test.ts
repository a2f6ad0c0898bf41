// Real-world Dockerfiles (../shared/corpus/real): none may throw, each must round-trip exactly,
// and every error diagnostic must be in the reviewed list of real defects.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, print } from '../src/index.js';
import { corpusDir } from './corpus.js';

interface KnownError {
  line: number;
  code: string;
  reason: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// The list sits beside the test's source (tests run from dist/test).
const knownFile = path.resolve(here, '..', '..', 'test', 'real-corpus-errors.json');

describe('real-world corpus', function () {
  const dir = corpusDir('real', 'files');

  before(function () {
    if (!dir) this.skip();
  });

  it('parses every file without throwing, round-trips it, and gives only the reviewed errors', function () {
    const known = JSON.parse(fs.readFileSync(knownFile, 'utf8')) as Record<string, KnownError[] | string>;
    const files = fs.readdirSync(dir!).sort();
    const unexpected: string[] = [];
    const missing: string[] = [];
    let roundTrips = 0;
    for (const file of files) {
      const text = fs.readFileSync(path.join(dir!, file), 'utf8');
      const result = parse(text);
      if (print(result.ast) === text) roundTrips++;
      const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line} ${d.code}`);
      const reviewed = ((known[file] as KnownError[] | undefined) ?? []).map((k) => `${k.line} ${k.code}`);
      for (const e of errors) if (!reviewed.includes(e)) unexpected.push(`${file}:${e} ${result.diagnostics.find((d) => `${d.range.start.line} ${d.code}` === e)!.message}`);
      for (const r of reviewed) if (!errors.includes(r)) missing.push(`${file}:${r}`);
    }
    console.log(`      ${files.length} files parsed, ${roundTrips} round-trip exactly`);
    expect(roundTrips).to.equal(files.length);
    expect(unexpected, 'errors not in the reviewed list').to.deep.equal([]);
    expect(missing, 'reviewed errors no longer reported').to.deep.equal([]);
  });
});
