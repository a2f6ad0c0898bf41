// Owners of files made by RUN (chown) are kept exactly through FROM <stage> and COPY --from, as
// the image's files show them; a build as another user that would lose them says so instead.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportRootfsToDir, makeBusyboxImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build } from '../src/index.js';

const NOBODY = 65534;

describe('owners across stages', function () {
  this.timeout(300000);
  let dir: string;
  let store: Store;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-owners-'));
    fs.chmodSync(dir, 0o755);
    store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
  });

  after(async function () {
    await store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const dockerfile = [
    'FROM busybox:latest AS made',
    'RUN mkdir -p /out/dir && echo data > /out/file && ln -s file /out/link && echo inner > /out/dir/inner \\',
    ' && chown 1234:5678 /out/file && chmod 4750 /out/file && chown 42:43 /out/dir && chown 100:200 /out/dir/inner \\',
    ' && chown -h 7:8 /out/link && chown 9:10 /out',
    'FROM made AS next',
    'RUN touch /out/later',
    'FROM busybox:latest',
    'COPY --from=made /out /copied',
    'COPY --from=next /out/file /single',
    'COPY --from=next /out/dir /dirc/',
    '',
  ].join('\n');

  async function buildTo(tag: string, target?: string): Promise<string> {
    const context = path.join(dir, 'context');
    fs.mkdirSync(context, { recursive: true });
    const file = path.join(context, 'Dockerfile');
    fs.writeFileSync(file, dockerfile);
    await build({ store, runner: new Runner({ store }), context, dockerfile: file, text: dockerfile, tags: [tag], ...(target ? { target } : {}) });
    const root = path.join(dir, `rootfs-${tag.replace(/\W/g, '_')}`);
    await exportRootfsToDir(store, tag, root);
    return root;
  }

  const owner = (root: string, p: string): string => {
    const st = fs.lstatSync(path.join(root, p));
    return `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`;
  };

  it('COPY --from keeps the uid, gid and mode RUN gave the files (setuid, links, folders)', async function () {
    const root = await buildTo('owners:copy');
    expect(owner(root, 'copied/file')).to.equal('1234:5678 4750');
    expect(owner(root, 'copied/dir')).to.equal('42:43 755');
    expect(owner(root, 'copied/dir/inner')).to.equal('100:200 644');
    expect(fs.lstatSync(path.join(root, 'copied/link')).isSymbolicLink()).to.equal(true);
    expect(owner(root, 'copied/link').split(' ')[0]).to.equal('7:8');
    expect(owner(root, 'single')).to.equal('1234:5678 4750');
    expect(owner(root, 'dirc/inner')).to.equal('100:200 644');
  });

  it('a stage built FROM another keeps its files as they were', async function () {
    const root = await buildTo('owners:next', 'next');
    expect(owner(root, 'out')).to.equal('9:10 755');
    expect(owner(root, 'out/file')).to.equal('1234:5678 4750');
    expect(owner(root, 'out/dir')).to.equal('42:43 755');
    expect(owner(root, 'out/later').split(' ')[0]).to.equal('0:0');
  });

  it('as another user, a build that would lose owners fails and says to run as root', async function () {
    const storeDir = path.join(dir, 'store');
    const context = path.join(dir, 'nonroot');
    fs.mkdirSync(context);
    fs.writeFileSync(path.join(context, 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM busybox:latest\nCOPY a.txt /etc/\n');
    fs.writeFileSync(path.join(context, 'Scratch.Dockerfile'), 'FROM scratch\nCOPY a.txt /etc/\n');
    await store.close();
    fs.cpSync(storeDir, path.join(dir, 'store-nobody'), { recursive: true });
    store = await Store.open(storeDir);
    chownTree(path.join(dir, 'store-nobody'), NOBODY);
    const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'bin', 'dfc.js');
    const run = (file: string): Promise<{ status: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [cli, 'build', '--progress', 'plain', '-f', file, '.'], {
          cwd: context, uid: NOBODY, gid: NOBODY, env: { ...process.env, DFC_ROOT: path.join(dir, 'store-nobody'), HOME: '/nonexistent' },
        });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
    const failed = await run('Dockerfile');
    expect(failed.status, failed.stderr).to.equal(1);
    expect(failed.stderr).to.match(/Dockerfile:2: .*COPY a\.txt \/etc\/: reading an image's layers keeps its files' owners only as root .*; run dfc build as root/);
    // Nothing of an image is read: the build is the same as root's.
    const scratch = await run('Scratch.Dockerfile');
    expect(scratch.status, scratch.stderr).to.equal(0);
  });
});

function chownTree(p: string, id: number): void {
  fs.lchownSync(p, id, id);
  if (fs.lstatSync(p).isDirectory()) for (const name of fs.readdirSync(p)) chownTree(path.join(p, name), id);
}
