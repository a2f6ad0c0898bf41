// RUN --mount in real builds (runc, as root), checked by the files the steps leave in the image:
// tmpfs sizes with units, cache mounts' sharing, owner and mode, and secrets.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportRootfsToDir, makeBusyboxImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build, BuildError, type BuildOptions } from '../src/index.js';

describe('RUN --mount (runc)', function () {
  this.timeout(300000);
  let dir: string;
  let store: Store;
  let runner: Runner;
  let context: string;
  let n = 0;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-mounts-'));
    store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    runner = new Runner({ store });
    context = path.join(dir, 'context');
    fs.mkdirSync(context);
  });

  after(async function () {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Builds `text` and returns the image's root file system. */
  async function buildText(text: string, extra: Partial<BuildOptions> = {}): Promise<string> {
    const tag = `mounts:${++n}`;
    const dockerfile = path.join(context, `Dockerfile.${n}`);
    fs.writeFileSync(dockerfile, text);
    await build({ store, runner, context, dockerfile, text, tags: [tag], concurrency: 4, ...extra });
    const root = path.join(dir, `rootfs-${n}`);
    await exportRootfsToDir(store, tag, root);
    return root;
  }

  async function buildError(text: string): Promise<string> {
    try {
      await buildText(text);
    } catch (err) {
      expect(err).to.be.instanceOf(BuildError);
      return (err as Error).message;
    }
    return expect.fail('expected the build to fail');
  }

  const read = (root: string, file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

  describe('tmpfs size=', function () {
    it('takes bytes or units as BuildKit does (64m, 1g, 512k, 1048576)', async function () {
      const root = await buildText([
        'FROM busybox:latest',
        // df -k: the size in 1024-byte blocks.
        ...['64m', '1g', '512k', '1048576', '2MiB'].map((size, i) => `RUN --mount=type=tmpfs,target=/t,size=${size} df -k /t | tail -n 1 | awk '{print $2}' > /size-${i}.txt`),
        '',
      ].join('\n'));
      expect([0, 1, 2, 3, 4].map((i) => read(root, `size-${i}.txt`).trim())).to.deep.equal(['65536', '1048576', '512', '1024', '2048']);
    });

    it('a size it cannot read is an error at its file:line:col', async function () {
      const message = await buildError('FROM busybox:latest\nRUN --mount=type=tmpfs,target=/t,size=lots true\n');
      expect(message).to.match(/Dockerfile\.\d+:2:\d+: error: .*invalid size "lots"/);
    });
  });
});
