// BuildKit's own parser test data: every positive case must dump byte for byte like BuildKit's
// AST, every negative case must give an error, and line numbers must match upstream's.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { dumpBuildkit, parse, print } from '../src/index.js';
import { corpusDir } from './corpus.js';

describe('BuildKit parser corpus', function () {
  const dir = corpusDir('buildkit', 'parser');

  before(function () {
    if (!dir) this.skip();
  });

  it('dumps every positive case exactly like BuildKit', function () {
    const base = path.join(dir!, 'testfiles');
    const cases = fs.readdirSync(base).sort();
    const failures: string[] = [];
    for (const name of cases) {
      const text = fs.readFileSync(path.join(base, name, 'Dockerfile'), 'utf8');
      const want = fs.readFileSync(path.join(base, name, 'result'), 'utf8').replace(/\r\n/g, '\n');
      const { ast } = parse(text);
      if (dumpBuildkit(ast) !== want) failures.push(name);
      expect(print(ast), `${name} round trip`).to.equal(text);
    }
    console.log(`      ${cases.length - failures.length}/${cases.length} positive cases match BuildKit's dump`);
    expect(failures).to.deep.equal([]);
  });

  it('reports an error on every negative case', function () {
    const base = path.join(dir!, 'testfiles-negative');
    const cases = fs.readdirSync(base).sort();
    const passing = cases.filter((name) =>
      parse(fs.readFileSync(path.join(base, name, 'Dockerfile'), 'utf8')).diagnostics.some((d) => d.severity === 'error'),
    );
    console.log(`      ${passing.length}/${cases.length} negative cases give an error`);
    expect(passing).to.deep.equal(cases);
  });

  it('numbers lines like BuildKit (testfile-line)', function () {
    const { ast } = parse(fs.readFileSync(path.join(dir!, 'testfile-line', 'Dockerfile'), 'utf8'));
    const spans = ast.instructions.map((i) => [i.range.start.line, i.range.end.line]);
    expect(spans).to.deep.equal([
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
  });
});
