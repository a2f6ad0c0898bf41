// RUN --mount in real builds (runc, as root), checked by the files the steps leave in the image:
// tmpfs sizes with units, cache mounts' sharing, owner and mode, and secrets.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
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

  describe('cache sharing, uid, gid, mode, from=', function () {
    /** Two stages that use the same cache at once: each leaves a marker, waits, lists the cache. */
    async function twoUsers(sharing: string): Promise<{ seen: Record<string, string[]>; overlap: boolean }> {
      // Each leaves a marker in the cache under test (/c) and, to say it is running, in a shared
      // cache of its own (/s); then it waits for the other's signal before it lists /c. Users that
      // can run together stop waiting as soon as both run (a slow machine may start the second
      // late); a locked user waits in vain, so its wait is short.
      const tenths = sharing === 'locked' ? 60 : 600;
      const run = (name: string, other: string): string =>
        `RUN --mount=type=cache,id=${sharing}-test,target=/c,sharing=${sharing} --mount=type=cache,id=${sharing}-signal,target=/s,sharing=shared`
        + ` cut -d' ' -f1 /proc/uptime > /start && touch /c/${name} /s/${name}`
        + ` && i=0 && while [ ! -e /s/${other} ] && [ $i -lt ${tenths} ]; do sleep 0.1; i=$((i+1)); done && ls /c > /seen && cut -d' ' -f1 /proc/uptime > /end`;
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
      // /proc/uptime counts hundredths: a step that ends within one of them starts and ends at once.
      const overlap = span['a']![0] <= span['b']![1] && span['b']![0] <= span['a']![1];
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
      const [first, second] = seen['a']!.length === 1 ? ['a', 'b'] : ['b', 'a'];
      expect(seen[first!]).to.deep.equal([first]);
      expect(seen[second!]).to.deep.equal(['a', 'b']);
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
    it('from= and source= seed a new cache with a stage\'s files (owners kept); the cache then keeps its own', async function () {
      const text = [
        'FROM busybox:latest AS seed',
        'RUN mkdir -p /deps/sub && echo seeded > /deps/sub/a.txt && chown -R 321:654 /deps/sub',
        'FROM busybox:latest',
        'ARG N',
        'RUN --mount=type=cache,id=seeded,target=/c,from=seed,source=/deps ls -n /c/sub | tail -n 1 | awk \'{print $3":"$4}\' > /owner.txt && cat /c/sub/a.txt > /a.txt && echo $N >> /c/runs && cat /c/runs > /runs.txt',
        '',
      ].join('\n');
      const first = await buildText(text, { buildArgs: { N: '1' } });
      expect(read(first, 'a.txt')).to.equal('seeded\n');
      expect(read(first, 'owner.txt')).to.equal('321:654\n');
      const second = await buildText(text, { buildArgs: { N: '2' } });
      expect(read(second, 'runs.txt')).to.equal('1\n2\n');
    });
  });

  describe('secrets', function () {
    const secret = 'hunter2-s3cr3t-value';
    const secrets = { token: Buffer.from(secret) };

    it('a file at /run/secrets/<id> (0400, root) or target= (uid, mode), or a variable with env=', async function () {
      const root = await buildText([
        'FROM busybox:latest',
        'RUN --mount=type=secret,id=token cat /run/secrets/token > /copy.txt && stat -c "%a %u %g" /run/secrets/token > /mode.txt',
        'RUN --mount=type=secret,id=token,target=/etc/tok,uid=1000,mode=0440 stat -c "%a %u %g" /etc/tok > /target.txt',
        'RUN --mount=type=secret,id=token,env=TOKEN echo "$TOKEN" > /env.txt && if [ -e /run/secrets/token ]; then echo file; else echo no file; fi > /file.txt',
        'RUN --mount=type=secret,id=other ls /run/secrets > /other.txt 2>&1 || echo none > /other.txt',
        '',
      ].join('\n'), { secrets });
      expect(read(root, 'copy.txt')).to.equal(secret);
      expect(read(root, 'mode.txt')).to.equal('400 0 0\n');
      expect(read(root, 'target.txt')).to.equal('440 1000 0\n');
      expect(read(root, 'env.txt')).to.equal(`${secret}\n`);
      expect(read(root, 'file.txt')).to.equal('no file\n');
      // An optional secret the build lacks is left out.
      expect(read(root, 'other.txt')).to.equal('none\n');
      expect(fs.existsSync(path.join(root, 'run/secrets'))).to.equal(false);
      expect(fs.existsSync(path.join(root, 'etc/tok'))).to.equal(false);
    });

    it('never reaches a layer, a cache record or the store; a changed value does not change the key', async function () {
      // A store of its own: the test above copied the secret into an image on purpose.
      const own = await Store.open(path.join(dir, 'secret-store'));
      try {
        await makeBusyboxImage(own, 'busybox:latest');
        const text = 'FROM busybox:latest\nRUN --mount=type=secret,id=token,required test -s /run/secrets/token && touch /used\n';
        const dockerfile = path.join(context, 'Dockerfile.secret');
        fs.writeFileSync(dockerfile, text);
        const options = { store: own, runner: new Runner({ store: own }), context, dockerfile, text, tags: ['secret:1'] };
        const first = await build({ ...options, secrets });
        const second = await build({ ...options, secrets: { token: Buffer.from('another value') } });
        expect(second.imageId).to.equal(first.imageId);
        expect(second.ran).to.equal(0);
        const root = path.join(dir, 'rootfs-secret');
        await exportRootfsToDir(own, 'secret:1', root);
        expect(fs.existsSync(path.join(root, 'used'))).to.equal(true);
        const found: string[] = [];
        const walk = (d: string): void => {
          for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile()) {
              let bytes = fs.readFileSync(p);
              if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = zlib.gunzipSync(bytes);
              if (bytes.includes(secret)) found.push(path.relative(own.root, p));
            }
          }
        };
        walk(own.root);
        expect(found).to.deep.equal([]);
      } finally {
        await own.close();
      }
    });

    it('a required secret the build lacks is an error that says how to give it; ssh is not supported', async function () {
      expect(await buildError('FROM busybox:latest\nRUN --mount=type=secret,id=npmrc,required true\n')).to.match(
        /Dockerfile\.\d+:2: RUN --mount=type=secret,id=npmrc: the build has no secret "npmrc"; give it with dfc build --secret id=npmrc,src=FILE/,
      );
      expect(await buildError('FROM busybox:latest\nRUN --mount=type=ssh,required true\n')).to.match(/Dockerfile\.\d+:2: .*cannot forward an SSH agent/);
    });
  });
});
