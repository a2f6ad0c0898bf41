// dfc build --secret, as docker buildx takes it: id=ID,src=FILE (relative to the caller's
// directory), id=ID,env=VARIABLE, or id=ID alone; checked by the files of the built image.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportRootfsToDir, makeBusyboxImage, Store } from '@dfc/store';
import { runCli } from './run-cli.js';

describe('dfc build --secret', function () {
  this.timeout(120000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-build-secret-'));
    const store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    await store.close();
    env = { ...process.env, DFC_ROOT: path.join(dir, 'store'), API_KEY: 'from the environment', GH_TOKEN: 'by its id' };
    fs.mkdirSync(path.join(dir, 'ctx'));
    fs.writeFileSync(path.join(dir, 'npmrc.txt'), 'from a file');
    fs.writeFileSync(
      path.join(dir, 'ctx', 'Dockerfile'),
      [
        'FROM busybox:latest',
        'RUN --mount=type=secret,id=npmrc,required cp /run/secrets/npmrc /npmrc.txt',
        'RUN --mount=type=secret,id=api,env=KEY echo "$KEY" > /api.txt',
        'RUN --mount=type=secret,id=GH_TOKEN cp /run/secrets/GH_TOKEN /gh.txt',
        '',
      ].join('\n'),
    );
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes files, variables and ids alone', async function () {
    const r = await runCli(
      ['build', '--secret', 'id=npmrc,src=npmrc.txt', '--secret', 'id=api,env=API_KEY', '--secret', 'id=GH_TOKEN', '-t', 'secret:1', 'ctx'],
      { cwd: dir, env },
    );
    expect(r.status, r.stderr).to.equal(0);
    const store = await Store.open(path.join(dir, 'store'));
    try {
      const root = path.join(dir, 'rootfs');
      await exportRootfsToDir(store, 'secret:1', root);
      expect(fs.readFileSync(path.join(root, 'npmrc.txt'), 'utf8')).to.equal('from a file');
      expect(fs.readFileSync(path.join(root, 'api.txt'), 'utf8')).to.equal('from the environment\n');
      expect(fs.readFileSync(path.join(root, 'gh.txt'), 'utf8')).to.equal('by its id');
    } finally {
      await store.close();
    }
  });

  it('a secret it cannot read is a usage error naming it', async function () {
    const r = await runCli(['build', '--secret', 'id=npmrc,src=missing.txt', 'ctx'], { cwd: dir, env });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain(`--secret id=npmrc,src=missing.txt: cannot read ${path.join(dir, 'missing.txt')}: ENOENT`);
    const noVar = await runCli(['build', '--secret', 'id=x,env=NOT_SET_ANYWHERE', 'ctx'], { cwd: dir, env });
    expect(noVar.status).to.equal(2);
    expect(noVar.stderr).to.contain('the environment variable NOT_SET_ANYWHERE is not set');
  });
});
