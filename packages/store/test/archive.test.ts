import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  Store, exportRootfsTar, exportRootfsToDir, importRootfs, listImages, loadArchive, makeBusyboxImage, putImage,
  resolveImage, saveArchive, verifyStore, writeLayer,
} from '../src/index.js';
import { craftTar, repoRoot, streamOf, tarHeaders, tempDir } from './helpers.js';

async function twoLayerImage(store: Store, tag: string) {
  const base = await writeLayer(store, [
    { kind: 'dir', path: 'etc' },
    { kind: 'file', path: 'etc/motd', content: 'hello\n' },
    { kind: 'file', path: 'etc/old', content: 'old\n' },
  ]);
  const top = await writeLayer(store, [
    { kind: 'whiteout', path: 'etc/old' },
    { kind: 'file', path: 'app/run', content: '#!/bin/sh\necho run\n', mode: 0o755 },
  ]);
  return putImage(store, {
    config: { architecture: 'amd64', os: 'linux', created: '2020-01-01T00:00:00Z', config: { Cmd: ['/app/run'] } },
    layers: [base, top],
    tags: [tag],
  });
}

describe('archives: save and load', () => {
  for (const format of ['oci', 'docker'] as const) {
    it(`round-trips images through a ${format} archive`, async () => {
      const from = await Store.open(tempDir());
      const image = await twoLayerImage(from, 'app:1');
      const file = path.join(tempDir(), `images-${format}.tar`);
      await saveArchive(from, ['app:1'], createWriteStream(file), format);
      const to = await Store.open(tempDir());
      const loaded = await loadArchive(to, createReadStream(file));
      expect(loaded.format).to.equal(format);
      expect(loaded.images.map((i) => i.tags)).to.deep.equal([['app:1']]);
      const back = await resolveImage(to, 'app:1');
      // The config bytes survive, so the image id does too.
      expect(back.id).to.equal(image.id);
      expect(back.config.rootfs.diff_ids).to.deep.equal(image.config.rootfs.diff_ids);
      expect((await verifyStore(to)).problems).to.deep.equal([]);
      const dir = tempDir();
      await exportRootfsToDir(to, 'app:1', dir);
      expect(readdirSync(path.join(dir, 'etc'))).to.deep.equal(['motd']);
      expect(readFileSync(path.join(dir, 'app/run'), 'utf8')).to.contain('echo run');
    });
  }

  it('writes docker archives in the docker save layout', async () => {
    const store = await Store.open(tempDir());
    const image = await twoLayerImage(store, 'app:1');
    const file = path.join(tempDir(), 'd.tar');
    await saveArchive(store, ['app:1'], createWriteStream(file), 'docker');
    const headers = await tarHeaders(readFileSync(file));
    const byName = new Map(headers.map((h) => [h.name, h]));
    const manifest = JSON.parse(byName.get('manifest.json')!.body.toString()) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifest).to.deep.equal([{
      Config: `${image.id.slice(7)}.json`,
      RepoTags: ['app:1'],
      Layers: image.config.rootfs.diff_ids.map((d) => `${d.slice(7)}/layer.tar`),
    }]);
    expect(JSON.parse(byName.get('repositories')!.body.toString())).to.deep.equal({ app: { '1': image.config.rootfs.diff_ids[1]!.slice(7) } });
    // Layers are plain tars in a docker archive.
    const layer = byName.get(manifest[0]!.Layers[0]!)!;
    expect((await tarHeaders(layer.body)).map((h) => h.name)).to.deep.equal(['etc/', 'etc/motd', 'etc/old']);
  });

  it('saving twice gives the same bytes', async () => {
    const store = await Store.open(tempDir());
    await twoLayerImage(store, 'app:1');
    const a = path.join(tempDir(), 'a.tar');
    const b = path.join(tempDir(), 'b.tar');
    await saveArchive(store, ['app:1'], createWriteStream(a), 'oci');
    await saveArchive(store, ['app:1'], createWriteStream(b), 'oci');
    expect(readFileSync(a).equals(readFileSync(b))).to.equal(true);
  });

  it('refuses an archive whose blob does not match its name, leaving the store as it was', async () => {
    const store = await Store.open(tempDir());
    const bad = await craftTar([
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: `blobs/sha256/${'0'.repeat(64)}`, body: 'not that' },
      { name: 'index.json', body: '{"schemaVersion":2,"manifests":[]}' },
    ]);
    let message = '';
    await loadArchive(store, streamOf(bad)).catch((err: Error) => (message = err.message));
    expect(message).to.contain('digest mismatch');
    expect(await store.listBlobs()).to.deep.equal([]);
    await loadArchive(store, streamOf(await craftTar([{ name: 'hello.txt', body: 'hi' }]))).catch((err: Error) => (message = err.message));
    expect(message).to.contain('not an image archive');
    expect(await listImages(store)).to.deep.equal([]);
  });
});

describe('rootfs: import and export', () => {
  it('imports a rootfs tar (gzip or plain) as a one-layer image', async () => {
    const store = await Store.open(tempDir());
    const tar = await craftTar([{ name: 'bin/', type: 'directory' }, { name: 'bin/hello', body: 'hi', mode: 0o755 }]);
    const image = await importRootfs(store, streamOf(tar), { tags: ['imported'], created: '2000-01-01T00:00:00Z', config: { Cmd: ['/bin/hello'] } });
    expect(image.config.rootfs.diff_ids).to.have.length(1);
    expect(image.config.history).to.deep.equal([{ created: '2000-01-01T00:00:00Z', created_by: 'dfc import' }]);
    expect(image.config.config?.Cmd).to.deep.equal(['/bin/hello']);
    let message = '';
    await importRootfs(store, streamOf(Buffer.alloc(4096, 'x'))).catch((err: Error) => (message = err.message));
    expect(message).to.match(/^not a tar archive/);
  });

  it('exports the merged tree as a directory and as a deterministic tar', async () => {
    const store = await Store.open(tempDir());
    await twoLayerImage(store, 'app');
    const out = path.join(tempDir(), 'rootfs.tar');
    await pipeline(await exportRootfsTar(store, 'app'), createWriteStream(out));
    const names = (await tarHeaders(readFileSync(out))).map((h) => h.name);
    expect(names).to.deep.equal(['app/', 'app/run', 'etc/', 'etc/motd']);
    expect(readdirSync(path.join(store.recordsDir, 'tmp'))).to.deep.equal([]);
  });

  it('scripts/make-busybox-image writes the busybox image into a given store', async () => {
    const root = path.join(tempDir(), 'store');
    const r = spawnSync(path.join(repoRoot, 'scripts', 'make-busybox-image'), ['--root', root, 'base:1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const image = await resolveImage(await Store.open(root), 'base:1');
    expect(r.stdout).to.equal(`base:1 ${image.id} (in ${root})\n`);
  });

  it('makes the busybox base image reproducibly', async () => {
    const a = await makeBusyboxImage(await Store.open(tempDir()), 'busybox');
    const store = await Store.open(tempDir());
    const b = await makeBusyboxImage(store, 'busybox:test');
    expect(b.id).to.equal(a.id);
    const dir = tempDir();
    await exportRootfsToDir(store, 'busybox:test', dir);
    expect(statSync(path.join(dir, 'bin/busybox')).mode & 0o777).to.equal(0o755);
    expect(readlinkSync(path.join(dir, 'bin/sh'))).to.equal('busybox');
    expect(statSync(path.join(dir, 'tmp')).mode & 0o7777).to.equal(0o1777);
    expect(readFileSync(path.join(dir, 'etc/passwd'), 'utf8')).to.match(/^root:x:0:0:/);
  });
});
