// `dfc plan` as a user runs it: the JSON on stdout, errors as file:line:col, exit statuses.
// Runs the built CLI (packages/cli) as a child process; skipped when it is not built.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planFixturesDir, repoRoot } from './plan-fixtures.js';

const bin = path.join(repoRoot, 'packages', 'cli', 'bin', 'dfc.js');
const built = fs.existsSync(path.join(repoRoot, 'packages', 'cli', 'dist', 'src', 'commands', 'plan.js'));

function dfc(args: string[], cwd = repoRoot): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'plan', ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dfc plan', function () {
  before(function () {
    if (!built) this.skip();
  });

  it('prints the same bytes as the golden, run after run', function () {
    const golden = fs.readFileSync(path.join(planFixturesDir, 'multi-stage-copy-from', 'plan.json'), 'utf8');
    const first = dfc(['-f', 'fixtures/plan/multi-stage-copy-from/Dockerfile']);
    expect(first).to.deep.equal({ status: 0, stdout: golden, stderr: '' });
    expect(dfc(['-f', 'fixtures/plan/multi-stage-copy-from/Dockerfile']).stdout).to.equal(first.stdout);
  });

  it('reads CONTEXT/Dockerfile and takes --build-arg and --target', function () {
    const dir = path.join(planFixturesDir, 'build-arg-override');
    const golden = fs.readFileSync(path.join(dir, 'plan.json'), 'utf8');
    const r = dfc(['--build-arg', 'VERSION=1.36', '--build-arg', 'NAME=world', '--build-arg', 'UNUSED=1', 'fixtures/plan/build-arg-override']);
    expect(r).to.deep.equal({ status: 0, stdout: golden, stderr: '' });
    const t = dfc(['--target', 'test', 'fixtures/plan/target-pruning']);
    expect(t.stdout).to.equal(fs.readFileSync(path.join(planFixturesDir, 'target-pruning', 'plan.json'), 'utf8'));
  });

  it('prints errors as file:line:col: error: message [code] and exits 1', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-plan-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine\nEXPOSE 80/tcp 99999\nSTOPSIGNAL NOPE\n');
      const r = dfc(['.'], dir);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.equal(
        'Dockerfile:2:15: error: port out of range in "99999" (0-65535) [IR011]\n' +
          'Dockerfile:3:12: error: invalid signal: NOPE (e.g. SIGTERM, SIGINT, 15) [IR013]\n',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for usage errors: an unknown --target or option', function () {
    const r = dfc(['--target', 'nope', 'fixtures/plan/target-pruning']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('target stage "nope" could not be found (stages: base, build, test, docs, release)');
    expect(dfc(['--bogus']).status).to.equal(2);
  });

  it('says when the Dockerfile cannot be read', function () {
    const r = dfc(['no/such/dir']);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal('dfc plan: cannot read no/such/dir/Dockerfile: no such file (give the Dockerfile with -f)\n');
  });
});
