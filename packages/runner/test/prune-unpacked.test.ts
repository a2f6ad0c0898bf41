// `dfc prune` also removes the unpacked layer directories of layers no image in the store uses any
// more, and keeps those still used or still mounted.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pruneStore, removeImage } from '@dfc/store';
import { UnpackedLayers, pruneUnpacked } from '../src/index.js';
import { fixture, imageWith, tempDir } from './helpers.js';

describe('pruning unpacked layers', () => {
  it('removes the directories of layers whose images are gone, keeps the others', async () => {
    const f = await fixture();
    const layers = new UnpackedLayers(f.store);
    const extra = await imageWith(f, 'extra:1', [{ kind: 'file', path: 'data/hello.txt', content: 'hello\n' }]);
    const kept = await layers.ensure(f.layers[0]!);
    const gone = await layers.ensure(extra[extra.length - 1]!);
    expect(existsSync(gone)).to.equal(true);

    // Nothing to do while both images are there.
    expect((await pruneUnpacked(f.store)).removed).to.deep.equal([]);

    await removeImage(f.store, 'extra:1');
    await pruneStore(f.store);
    const result = await pruneUnpacked(f.store);
    expect(result.removed).to.deep.equal([extra[extra.length - 1]!.diffId]);
    expect(result.bytesFreed).to.be.at.least(6);
    expect(existsSync(gone)).to.equal(false);
    expect(existsSync(kept)).to.equal(true);
  });

  it('keeps a directory an overlay mount still reads', async () => {
    const f = await fixture();
    const layers = new UnpackedLayers(f.store);
    const extra = await imageWith(f, 'extra:2', [{ kind: 'file', path: 'data/x', content: 'x\n' }]);
    const base = await layers.ensure(f.layers[0]!);
    const busy = await layers.ensure(extra[extra.length - 1]!);
    const target = path.join(tempDir(), 'merged');
    mkdirSync(target);
    const mount = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${busy}:${base}`, target], { encoding: 'utf8' });
    expect(mount.status, mount.stderr).to.equal(0);
    try {
      await removeImage(f.store, 'extra:2');
      await pruneStore(f.store);
      expect((await pruneUnpacked(f.store)).removed).to.deep.equal([]);
      expect(existsSync(path.join(busy, 'data', 'x'))).to.equal(true);
    } finally {
      spawnSync('umount', [target]);
    }
    expect((await pruneUnpacked(f.store)).removed).to.deep.equal([extra[extra.length - 1]!.diffId]);
  });
});
