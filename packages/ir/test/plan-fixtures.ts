// The plan fixtures (fixtures/plan/<case>/): a Dockerfile, an `args` file holding `dfc plan`
// options one per line (`--build-arg K=V`, `--target T`; `#` starts a comment), and the golden
// `plan.json`. Shared by the fixture test and scripts/update-plan-goldens.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPlan, planDockerfile, type PlanOptions } from '../src/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const planFixturesDir = path.join(repoRoot, 'fixtures', 'plan');

export function fixtureNames(): string[] {
  return fs.readdirSync(planFixturesDir).filter((n) => fs.existsSync(path.join(planFixturesDir, n, 'Dockerfile'))).sort();
}

/** Reads a fixture's `args` file into plan options. */
export function fixtureOptions(name: string): PlanOptions {
  const file = path.join(planFixturesDir, name, 'args');
  const buildArgs: Record<string, string> = {};
  const options: PlanOptions = { buildArgs };
  if (!fs.existsSync(file)) return options;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(--build-arg|--target)[ =](.*)$/.exec(line);
    if (!m) throw new Error(`${name}/args: cannot read "${line}" (use --build-arg K=V or --target T)`);
    if (m[1] === '--target') options.target = m[2]!;
    else {
      const eq = m[2]!.indexOf('=');
      if (eq <= 0) throw new Error(`${name}/args: --build-arg needs K=V, not "${m[2]}"`);
      buildArgs[m[2]!.slice(0, eq)] = m[2]!.slice(eq + 1);
    }
  }
  return options;
}

/** The plan JSON a fixture's Dockerfile and args give. */
export function fixturePlan(name: string): string {
  const text = fs.readFileSync(path.join(planFixturesDir, name, 'Dockerfile'), 'utf8');
  return formatPlan(planDockerfile(text, fixtureOptions(name)));
}
