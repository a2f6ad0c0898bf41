// dfc build from the command line: progress lines, cache reasons, --output, and its errors.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeBusyboxImage, putImage, Store, writeLayer } from '@dfc/store';
import { runCli } from './run-cli.js';

describe('dfc build', function () {
  this.timeout(120000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-build-cli-'));
    const store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    await store.close();
    env = { ...process.env, DFC_ROOT: path.join(dir, 'store') };
    fs.mkdirSync(path.join(dir, 'ctx'));
    fs.writeFileSync(path.join(dir, 'ctx', 'Dockerfile'), 'FROM busybox:latest\nARG NOTE=one\nCOPY note.txt /srv/\nLABEL note=$NOTE\n');
    fs.writeFileSync(path.join(dir, 'ctx', 'note.txt'), 'hello\n');
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds, tags, exports with --output type=local, and explains cache misses', async function () {
    const out = path.join(dir, 'out');
    const first = await runCli(['build', '--progress', 'plain', '-t', 'note:1', '--output', `type=local,dest=${out}`, 'ctx'], { cwd: dir, env });
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stderr).to.match(/#\d+ \[stage-0 3\/4\] COPY note\.txt \/srv\/ \(ctx\/Dockerfile:3\)\n#\d+ cache miss: not built before/);
    expect(fs.readFileSync(path.join(out, 'srv', 'note.txt'), 'utf8')).to.equal('hello\n');
    fs.writeFileSync(path.join(dir, 'ctx', 'note.txt'), 'changed\n');
    const second = await runCli(['build', '--progress', 'plain', '-t', 'note:2', 'ctx'], { cwd: dir, env });
    expect(second.stderr).to.contain('cache miss: file changed: note.txt');
    const quiet = await runCli(['build', '--progress', 'quiet', 'ctx'], { cwd: dir, env });
    expect(quiet.status).to.equal(0);
    expect(quiet.stdout).to.match(/^sha256:[0-9a-f]{64}\n$/);
  });

  it('builds without a tag: the image is kept untagged, exported with --output and listed by dfc images', async function () {
    fs.writeFileSync(path.join(dir, 'ctx', 'Untagged.Dockerfile'), 'FROM busybox:latest\nCOPY note.txt /untagged/\n');
    const out = path.join(dir, 'out-untagged');
    const r = await runCli(['build', '--progress', 'quiet', '-f', 'ctx/Untagged.Dockerfile', '--output', `type=local,dest=${out}`, 'ctx'], { cwd: dir, env });
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.existsSync(path.join(out, 'untagged', 'note.txt'))).to.equal(true);
    const id = r.stdout.trim();
    const images = await runCli(['images'], { cwd: dir, env });
    expect(images.stdout).to.contain(id.slice(7, 19));
    const archive = path.join(dir, 'untagged.tar');
    const saved = await runCli(['build', '--progress', 'quiet', '-f', 'ctx/Untagged.Dockerfile', '--output', `type=oci,dest=${archive}`, 'ctx'], { cwd: dir, env });
    expect(saved.status, saved.stderr).to.equal(0);
    expect(saved.stdout.trim()).to.equal(id);
    expect(fs.statSync(archive).size).to.be.greaterThan(0);
  });

  it('reports Dockerfile errors as file:line:col and exits 1', async function () {
    fs.writeFileSync(path.join(dir, 'ctx', 'Bad.Dockerfile'), 'FROM busybox:latest\nCOPY --form=x a b\n');
    const r = await runCli(['build', '-f', 'ctx/Bad.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('ctx/Bad.Dockerfile:2:6: error: unknown flag: --form');
  });

  it('says how to get a base image the store lacks', async function () {
    fs.writeFileSync(path.join(dir, 'ctx', 'Missing.Dockerfile'), 'FROM nosuch/image:1\n');
    const r = await runCli(['build', '-f', 'ctx/Missing.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/ctx\/Missing\.Dockerfile:1:1: image nosuch\/image:1 is not in the store; add it with dfc load -i ARCHIVE/);
  });

  it("prints BuildKit's check warnings after the build, and # check=error=true stops it before it starts", async function () {
    fs.writeFileSync(path.join(dir, 'ctx', 'Warn.Dockerfile'), 'FROM busybox:latest as base\nCMD echo hi\n');
    const r = await runCli(['build', '--progress', 'plain', '-f', 'ctx/Warn.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.contain(
      "2 warnings found:\n - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (ctx/Warn.Dockerfile:1)\n" +
        ' - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (ctx/Warn.Dockerfile:2)\n',
    );
    // Read from .dfc/cache/checks the second time: the same words.
    const again = await runCli(['build', '--progress', 'plain', '-f', 'ctx/Warn.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(again.stderr).to.contain(' - FromAsCasing: ');
    // hadolint's rules are not build checks; a skipped check is not printed; quiet prints only the id.
    fs.writeFileSync(path.join(dir, 'ctx', 'Skip.Dockerfile'), '# check=skip=JSONArgsRecommended\nFROM busybox:latest\nRUN apt-get install curl\nCMD echo hi\n');
    const skip = await runCli(['build', '--progress', 'plain', '--target', '0', '-f', 'ctx/Skip.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(skip.stderr).to.not.contain('warning');
    expect(skip.stderr).to.not.contain('DL3');
    const quiet = await runCli(['build', '--progress', 'quiet', '-f', 'ctx/Warn.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(quiet.stderr).to.equal('');

    fs.writeFileSync(path.join(dir, 'ctx', 'Strict.Dockerfile'), '# check=error=true\nFROM busybox:latest\nRUN false\nCMD echo hi\n');
    const strict = await runCli(['build', '--progress', 'plain', '-f', 'ctx/Strict.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(strict.status).to.equal(1);
    expect(strict.stderr).to.contain('error: ctx/Strict.Dockerfile: lint violation found for rules: JSONArgsRecommended (# check=error=true)');
    expect(strict.stderr).to.not.contain('RUN false');
  });

  it('checks again when a base image changes platform (the kept findings remember the platforms they saw)', async function () {
    // plat:1 has no history (it is optional in an image config): the build still works, as BuildKit's.
    fs.writeFileSync(path.join(dir, 'ctx', 'Plat.Dockerfile'), 'FROM plat:1\nLABEL x=1\n');
    const tag = async (architecture: string) => {
      const store = await Store.open(path.join(dir, 'store'));
      const layer = await writeLayer(store, [{ kind: 'file', path: 'etc/os-release', content: 'ID=plat\n' }], { mtime: 0 });
      await putImage(store, { config: { os: 'linux', architecture }, layers: [layer], tags: ['plat:1'] });
      await store.close();
    };
    await tag('amd64');
    const amd = await runCli(['build', '--progress', 'plain', '-f', 'ctx/Plat.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(amd.status, amd.stderr).to.equal(0);
    expect(amd.stderr).to.not.contain('InvalidBaseImagePlatform');
    await tag('arm64');
    const arm = await runCli(['build', '--progress', 'plain', '-f', 'ctx/Plat.Dockerfile', 'ctx'], { cwd: dir, env });
    expect(arm.stderr).to.contain(' - InvalidBaseImagePlatform: Base image plat:1 was pulled with platform "linux/arm64", expected "linux/amd64" for current build (ctx/Plat.Dockerfile:1)');
  });

  it('exits 2 on usage errors', async function () {
    expect((await runCli(['build'], { cwd: dir, env })).status).to.equal(2);
    expect((await runCli(['build', '--progress', 'fancy', 'ctx'], { cwd: dir, env })).status).to.equal(2);
    expect((await runCli(['build', '--output', 'type=zip,dest=x', 'ctx'], { cwd: dir, env })).status).to.equal(2);
  });
});
