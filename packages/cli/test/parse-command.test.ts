// dfc parse: diagnostics in file:line:col form, the AST as JSON, and exit statuses.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli.js';

describe('dfc parse', function () {
  let dir: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-parse-'));
    fs.writeFileSync(path.join(dir, 'good.Dockerfile'), 'FROM alpine\nRUN echo hi \\\n    there\n');
    fs.writeFileSync(path.join(dir, 'bad.Dockerfile'), 'FROM alpine\nRUNN echo\nCOPY --form=x a b\n');
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints a summary and exits 0 for a clean file', async function () {
    const r = await runCli(['parse', 'good.Dockerfile'], { cwd: dir });
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('good.Dockerfile: 2 instructions, 0 errors, 0 warnings\n');
  });

  it('prints each diagnostic as file:line:col: severity: message [code] and exits 1 on errors', async function () {
    const r = await runCli(['parse', 'bad.Dockerfile'], { cwd: dir });
    expect(r.status).to.equal(1);
    expect(r.stdout.split('\n').slice(0, 2)).to.deep.equal([
      'bad.Dockerfile:2:1: error: unknown instruction: RUNN (did you mean RUN?) [DF001]',
      'bad.Dockerfile:3:6: error: unknown flag: --form (COPY accepts --from, --chown, --chmod, --link, --parents, --exclude) [DF003]',
    ]);
  });

  it('prints the AST with ranges as JSON', async function () {
    const r = await runCli(['parse', '--json', 'good.Dockerfile'], { cwd: dir });
    expect(r.status).to.equal(0);
    const json = JSON.parse(r.stdout);
    expect(json.file).to.equal('good.Dockerfile');
    const run = json.ast.instructions[1];
    expect(run.name).to.equal('RUN');
    expect(run.command.text.value).to.equal('echo hi     there');
    expect(run.range).to.deep.equal({ start: { line: 2, column: 1, offset: 12 }, end: { line: 3, column: 10, offset: 35 } });
    expect(json.diagnostics).to.deep.equal([]);
  });

  it('prints an array for several files', async function () {
    const r = await runCli(['parse', '--json', 'good.Dockerfile', 'bad.Dockerfile'], { cwd: dir });
    expect(r.status).to.equal(1);
    expect(JSON.parse(r.stdout).map((x: { file: string }) => x.file)).to.deep.equal(['good.Dockerfile', 'bad.Dockerfile']);
  });

  it('exits 2 on usage errors, naming the problem', async function () {
    const none = await runCli(['parse'], { cwd: dir });
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/^dfc parse: no Dockerfile given\n/);
    const missing = await runCli(['parse', 'nope'], { cwd: dir });
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.match(/^dfc parse: cannot read nope: no such file\n/);
    const flag = await runCli(['parse', '--jsn', 'good.Dockerfile'], { cwd: dir });
    expect(flag.status).to.equal(2);
  });
});
