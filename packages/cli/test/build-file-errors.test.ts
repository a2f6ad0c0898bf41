// dfc build: -f is taken relative to the caller's directory (as docker build does), whatever the
// process's own; an image that only COPY --from or RUN --mount from= names, missing from the
// store, is an error at the flag's line and column that says how to get it.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportRootfsToDir, makeBusyboxImage, Store } from '@dfc/store';
import { runCli } from './run-cli.js';

describe('dfc build: the Dockerfile path and images named by --from', function () {
  this.timeout(120000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-build-paths-'));
    const store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    await store.close();
    env = { ...process.env, DFC_ROOT: path.join(dir, 'store') };
    fs.mkdirSync(path.join(dir, 'work', 'ctx'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'work', 'files'));
    fs.writeFileSync(path.join(dir, 'work', 'ctx', 'keep.txt'), 'kept\n');
    fs.writeFileSync(path.join(dir, 'work', 'ctx', 'drop.txt'), 'dropped\n');
    // The Dockerfile lives outside the context, with its own .dockerignore beside it.
    fs.writeFileSync(path.join(dir, 'work', 'files', 'app.Dockerfile'), 'FROM busybox:latest\nCOPY . /srv/\n');
    fs.writeFileSync(path.join(dir, 'work', 'files', 'app.Dockerfile.dockerignore'), 'drop.txt\n');
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('-f is relative to the directory dfc was started in, not the process cwd of a library', async function () {
    expect(process.cwd()).to.not.equal(path.join(dir, 'work'));
    const r = await runCli(['build', '-f', 'files/app.Dockerfile', '-t', 'paths:1', 'ctx'], { cwd: path.join(dir, 'work'), env });
    expect(r.status, r.stderr).to.equal(0);
    const store = await Store.open(path.join(dir, 'store'));
    try {
      const root = path.join(dir, 'rootfs');
      await exportRootfsToDir(store, 'paths:1', root);
      expect(fs.readdirSync(path.join(root, 'srv')).sort()).to.deep.equal(['keep.txt']);
    } finally {
      await store.close();
    }
  });

  it('COPY --from=IMAGE missing from the store: file:line:col of the flag and how to get it', async function () {
    fs.writeFileSync(path.join(dir, 'work', 'files', 'copy.Dockerfile'), 'FROM busybox:latest\nCOPY --from=tools/missing:1 /bin/x /x\n');
    const r = await runCli(['build', '-f', 'files/copy.Dockerfile', 'ctx'], { cwd: path.join(dir, 'work'), env });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('files/copy.Dockerfile:2:13: image tools/missing:1 is not in the store; add it with dfc load -i ARCHIVE');
  });

  it('RUN --mount=from=IMAGE missing from the store: file:line:col of from=', async function () {
    fs.writeFileSync(
      path.join(dir, 'work', 'files', 'mount.Dockerfile'),
      'FROM busybox:latest\nRUN --mount=type=cache,target=/c --mount=type=bind,from=data/missing:2,target=/m true\n',
    );
    const r = await runCli(['build', '-f', 'files/mount.Dockerfile', 'ctx'], { cwd: path.join(dir, 'work'), env });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('files/mount.Dockerfile:2:52: image data/missing:2 is not in the store; add it with dfc load -i ARCHIVE');
  });
});
