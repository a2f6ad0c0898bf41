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

  describe('cache sharing, uid, gid, mode', function () {
    /** Two stages that use the same cache at once: each leaves a marker, waits, lists the cache. */
    async function twoUsers(sharing: string): Promise<{ seen: Record<string, string[]>; overlap: boolean }> {
      // Each waits (up to 3 s) for the other's marker before it lists the cache.
      const run = (name: string, other: string): string =>
        `RUN --mount=type=cache,id=${sharing}-test,target=/c,sharing=${sharing} cut -d' ' -f1 /proc/uptime > /start && touch /c/${name}`
        + ` && i=0 && while [ ! -e /c/${other} ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done && ls /c > /seen && cut -d' ' -f1 /proc/uptime > /end`;
      const root = await buildText([
        'FROM busybox:latest AS a', run('a', 'b'),
        'FROM busybox:latest AS b', run('b', 'a'),
        'FROM busybox:latest',
        'COPY --from=a /start /end /seen /a/',
        'COPY --from=b /start /end /seen /b/',
        '',
      ].join('\n'));
      const seen: Record<string, string[]> = {};
      const span: Record<string, [number, number]> = {};
      for (const user of ['a', 'b']) {
        seen[user] = read(root, `${user}/seen`).split('\n').filter(Boolean).sort();
        span[user] = [Number(read(root, `${user}/start`)), Number(read(root, `${user}/end`))];
      }
      const overlap = span['a']![0] < span['b']![1] && span['b']![0] < span['a']![1];
      return { seen, overlap };
    }

    it('shared (the default): both users see one folder at the same time', async function () {
      const { seen, overlap } = await twoUsers('shared');
      expect(overlap).to.equal(true);
      expect(seen).to.deep.equal({ a: ['a', 'b'], b: ['a', 'b'] });
    });

    it('locked: users of the same cache take turns', async function () {
      const { seen, overlap } = await twoUsers('locked');
      expect(overlap).to.equal(false);
      // The first finds only its own marker; the second, after it, both.
      expect([seen['a'], seen['b']].sort()).to.deep.equal([['a'], ['a', 'b']].sort());
      expect(seen['a']!.length + seen['b']!.length).to.equal(3);
    });

    it('private: users at the same time get folders of their own', async function () {
      const { seen, overlap } = await twoUsers('private');
      expect(overlap).to.equal(true);
      expect(seen).to.deep.equal({ a: ['a'], b: ['b'] });
    });

    it('uid, gid and mode give the cache folder its owner and mode; a later build finds its files', async function () {
      const text = [
        'FROM busybox:latest',
        'ARG N',
        'RUN --mount=type=cache,id=owned,target=/c,uid=1234,gid=99,mode=0750 stat -c "%u %g %a" /c > /owner.txt && echo $N >> /c/log && cat /c/log > /log.txt',
        'RUN --mount=type=cache,id=plain,target=/c stat -c "%u %g %a" /c > /plain.txt',
        '',
      ].join('\n');
      const first = await buildText(text, { buildArgs: { N: '1' } });
      expect(read(first, 'owner.txt')).to.equal('1234 99 750\n');
      expect(read(first, 'plain.txt')).to.equal('0 0 755\n');
      const second = await buildText(text, { buildArgs: { N: '2' } });
      expect(read(second, 'log.txt')).to.equal('1\n2\n');
    });
  });
});
