// The plan goldens (fixtures/plan/*): each matches what the planner gives today, validates
// against plan.schema.json, and comes out byte-identical when planned again. Regenerate with
// scripts/update-plan-goldens and read the diff.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { planDockerfile } from '../src/index.js';
import { fixtureNames, fixtureOptions, fixturePlan, planFixturesDir, repoRoot } from './plan-fixtures.js';

const require = createRequire(import.meta.url);
// ajv ships CommonJS; load it the way its own docs show for Node.
const Ajv = require('ajv') as new (options: { allErrors: boolean; strict: boolean }) => {
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

describe('plan fixtures', function () {
  const schema: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages', 'ir', 'plan.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
  const names = fixtureNames();

  it('has at least 20 cases', function () {
    expect(names.length).to.be.at.least(20);
  });

  for (const name of names) {
    describe(name, function () {
      const golden = fs.readFileSync(path.join(planFixturesDir, name, 'plan.json'), 'utf8');

      it('matches the golden plan.json', function () {
        expect(fixturePlan(name)).to.equal(golden);
      });

      it('validates against plan.schema.json', function () {
        const ok = validate(JSON.parse(golden));
        expect(ok, JSON.stringify(validate.errors, null, 1)).to.equal(true);
      });

      it('is the same bytes when planned again', function () {
        expect(fixturePlan(name)).to.equal(fixturePlan(name));
      });

      it('has the same diagnostics when planned for diagnostics only (as lint does)', function () {
        const text = fs.readFileSync(path.join(planFixturesDir, name, 'Dockerfile'), 'utf8');
        const options = fixtureOptions(name);
        expect(planDockerfile(text, { ...options, diagnosticsOnly: true }).diagnostics).to.deep.equal(planDockerfile(text, options).diagnostics);
      });

      it('lists vertices in dependency order, with edges matching deps', function () {
        const plan = JSON.parse(golden) as { vertices: { id: number; deps: number[] }[]; edges: { from: number; to: number }[] };
        plan.vertices.forEach((v, i) => {
          expect(v.id).to.equal(i);
          for (const d of v.deps) expect(d, `vertex ${v.id} depends on ${d}`).to.be.below(v.id);
        });
        const fromEdges = plan.edges.map((e) => `${e.from}>${e.to}`);
        const fromDeps = plan.vertices.flatMap((v) => v.deps.map((d) => `${d}>${v.id}`));
        expect(fromEdges).to.deep.equal(fromDeps);
      });
    });
  }
});
