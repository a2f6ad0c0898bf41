// dfc lint reads the platforms of the images in the store (never writing to it) for BuildKit's
// InvalidBaseImagePlatform; without a store it says nothing about platforms.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store, putImage, writeLayer } from '@dfc/store';
import { runCli } from './run-cli.js';

describe('dfc lint: base images in the store', function () {
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-lint-images-'));
    const store = await Store.open(path.join(dir, 'store'));
    const layer = await writeLayer(store, [{ kind: 'file', path: 'etc/os-release', content: 'ID=test\n' }], { mtime: 0 });
    await putImage(store, { config: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layers: [layer], tags: ['example.com/tools:arm'] });
    await putImage(store, { config: { os: 'linux', architecture: 'amd64' }, layers: [layer], tags: ['example.com/tools:amd'] });
    await store.close();
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM example.com/tools:arm AS a\nFROM example.com/tools:amd AS b\nFROM --platform=linux/arm64 example.com/tools:arm\n');
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const platformFindings = (stdout: string) =>
    (JSON.parse(stdout) as { code: string; line: number; message: string }[])
      .filter((d) => d.code === 'InvalidBaseImagePlatform')
      .map((d) => `${d.line}: ${d.message}`);

  it('reports a base image whose platform is not the stage\'s', async function () {
    const r = await runCli(['lint', '--format', 'json', '--root', 'store', 'Dockerfile'], { cwd: dir, env: { ...process.env, HOME: dir } });
    expect(r.stderr).to.equal('');
    expect(platformFindings(r.stdout)).to.deep.equal(['1: Base image example.com/tools:arm was pulled with platform "linux/arm64/v8", expected "linux/amd64" for current build']);
  });

  it('says nothing about platforms when there is no store, and does not make one', async function () {
    const r = await runCli(['lint', '--format', 'json', '--root', 'nowhere', 'Dockerfile'], { cwd: dir, env: { ...process.env, HOME: dir } });
    expect(platformFindings(r.stdout)).to.deep.equal([]);
    expect(fs.existsSync(path.join(dir, 'nowhere'))).to.equal(false);
  });
});
