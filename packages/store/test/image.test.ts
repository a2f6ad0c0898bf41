import { expect } from 'chai';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import {
  Store, listImages, putImage, pruneStore, removeImage, resolveImage, setRoots, tagImage, verifyStore, writeLayer,
  type ImageConfig, type LayerInfo,
} from '../src/index.js';
import { tempDir } from './helpers.js';

function config(extra: Partial<ImageConfig> = {}): Omit<ImageConfig, 'rootfs'> {
  return {
    created: '2020-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: ['PATH=/bin'],
      Cmd: ['sh'],
      Healthcheck: { Test: ['CMD', 'true'], Interval: 30_000_000_000, Retries: 3 },
      OnBuild: ['RUN echo hi'],
      Shell: ['/bin/sh', '-c'],
    },
    history: [{ created: '2020-01-01T00:00:00Z', created_by: 'COPY f /' }, { created_by: 'ENV PATH=/bin', empty_layer: true }],
    ...extra,
  };
}

async function oneLayer(store: Store, content = 'f'): Promise<LayerInfo> {
  return writeLayer(store, [{ kind: 'file', path: 'f', content }]);
}

describe('images: write, tag, resolve', () => {
  it('writes config and manifest per the OCI spec, keeping Docker fields and history', async () => {
    const store = await Store.open(tempDir());
    const layer = await oneLayer(store);
    const image = await putImage(store, { config: config(), layers: [layer], tags: ['app'] });
    const manifest = await store.readJson<Record<string, unknown>>(image.manifestDigest);
    expect(manifest).to.deep.include({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    const stored = await store.readJson<ImageConfig>(image.id);
    expect(stored.rootfs).to.deep.equal({ type: 'layers', diff_ids: [layer.diffId] });
    expect(stored.config?.Healthcheck).to.deep.equal({ Test: ['CMD', 'true'], Interval: 30_000_000_000, Retries: 3 });
    expect(stored.config?.OnBuild).to.deep.equal(['RUN echo hi']);
    expect(stored.config?.Shell).to.deep.equal(['/bin/sh', '-c']);
    expect(stored.history?.[1]).to.deep.equal({ created_by: 'ENV PATH=/bin', empty_layer: true });
    const again = await putImage(store, { config: config(), layers: [layer] });
    expect(again.manifestDigest).to.equal(image.manifestDigest);
  });

  it('refuses history that does not match the layers', async () => {
    const store = await Store.open(tempDir());
    const layer = await oneLayer(store);
    let message = '';
    await putImage(store, { config: config({ history: [] }), layers: [layer, layer] }).catch(() => undefined);
    await putImage(store, { config: config(), layers: [layer, layer] }).catch((err: Error) => (message = err.message));
    expect(message).to.contain('history has 1 entries that make layers, but the image has 2 layers');
  });

  it('resolves by name, name:tag, name@digest, id and id prefix', async () => {
    const store = await Store.open(tempDir());
    const image = await putImage(store, { config: config(), layers: [await oneLayer(store)], tags: ['app:1.0', 'registry.example:5000/team/app'] });
    for (const ref of ['app:1.0', 'registry.example:5000/team/app', 'registry.example:5000/team/app:latest', `app@${image.manifestDigest}`, image.id, image.id.slice(7, 19), image.manifestDigest]) {
      const found = await resolveImage(store, ref);
      expect(found.id, ref).to.equal(image.id);
    }
    let message = '';
    await resolveImage(store, 'app').catch((err: Error) => (message = err.message));
    expect(message).to.equal('no image "app:latest" in the store (see dfc images)');
    await resolveImage(store, 'Bad:Ref!').catch((err: Error) => (message = err.message));
    expect(message).to.contain('invalid reference');
  });

  it('lists, retags and removes images', async () => {
    const store = await Store.open(tempDir());
    const a = await putImage(store, { config: config(), layers: [await oneLayer(store, 'a')], tags: ['a'] });
    await putImage(store, { config: config(), layers: [await oneLayer(store, 'b')], tags: ['b'] });
    await tagImage(store, 'a', 'c:v2');
    let rows = await listImages(store);
    expect(rows.map((r) => r.reference)).to.deep.equal(['a:latest', 'b:latest', 'c:v2']);
    expect(rows[0]!.id).to.equal(a.id);
    expect(rows[0]!.size).to.be.greaterThan(0);
    // Moving a tag leaves the other image's tags alone.
    await tagImage(store, 'b', 'a');
    rows = await listImages(store);
    expect(rows.find((r) => r.reference === 'a:latest')!.id).to.not.equal(a.id);
    expect(rows.find((r) => r.reference === 'c:v2')!.id).to.equal(a.id);
    expect(await removeImage(store, 'c:v2')).to.deep.equal(['c:v2']);
    let message = '';
    await removeImage(store, 'c:v2').catch((err: Error) => (message = err.message));
    expect(message).to.contain('no image "c:v2"');
    const b = (await listImages(store))[0]!;
    await removeImage(store, b.id).catch((err: Error) => (message = err.message));
    expect(message).to.contain('several tags');
    expect(await removeImage(store, b.id, { force: true })).to.have.members(['a:latest', 'b:latest']);
    expect(await listImages(store)).to.deep.equal([]);
  });

  it('leaves the index file alone when an image gets the tags it has (a no-op rebuild)', async () => {
    const store = await Store.open(tempDir());
    const layers = [await oneLayer(store, 'a')];
    await putImage(store, { config: config(), layers, tags: ['a', 'x:1'] });
    await putImage(store, { config: config({ created: '2021-01-01T00:00:00Z' }), layers, tags: ['b'] });
    const before = statSync(store.indexPath);
    await putImage(store, { config: config(), layers, tags: ['x:1', 'a'] });
    await tagImage(store, 'b', 'b');
    const after = statSync(store.indexPath);
    expect([after.ino, after.mtimeMs]).to.deep.equal([before.ino, before.mtimeMs]);
    expect((await listImages(store)).map((r) => r.reference)).to.deep.equal(['a:latest', 'b:latest', 'x:1']);
    // A tag that moves is written.
    await tagImage(store, 'b', 'x:1');
    expect(statSync(store.indexPath).ino).to.not.equal(before.ino);
  });
});

describe('prune and verify', () => {
  it('prune removes what no tag or root record reaches and reports bytes freed', async () => {
    const store = await Store.open(tempDir());
    const kept = await putImage(store, { config: config(), layers: [await oneLayer(store, 'kept')], tags: ['kept'] });
    const gone = await putImage(store, { config: config(), layers: [await oneLayer(store, 'gone')], tags: ['gone'] });
    const cached = await oneLayer(store, 'cache');
    await setRoots(store, 'cache', [cached.descriptor.digest]);
    await removeImage(store, 'gone');
    const before = (await store.listBlobs()).length;
    const result = await pruneStore(store);
    // gone's manifest, config and layer; the config is shared with `kept`? No: its diff_ids differ.
    expect(result.removed).to.have.members([gone.manifestDigest, gone.id, gone.manifest.layers[0]!.digest]);
    expect(result.bytesFreed).to.be.greaterThan(0);
    expect((await store.listBlobs()).length).to.equal(before - 3);
    expect(await store.hasBlob(cached.descriptor.digest)).to.equal(true);
    expect((await resolveImage(store, 'kept')).id).to.equal(kept.id);
    expect((await verifyStore(store)).problems).to.deep.equal([]);
  });

  it('prune spares fresh blobs of another live writer', async () => {
    const store = await Store.open(tempDir());
    const other = await Store.open(store.root);
    const layer = await oneLayer(other, 'in flight');
    // Make the other session look like another process's: rename its file to our parent's pid.
    const { readdirSync, renameSync } = await import('node:fs');
    const dir = `${store.root}/.dfc/sessions`;
    for (const name of readdirSync(dir)) renameSync(`${dir}/${name}`, `${dir}/${process.ppid}-other`);
    const result = await pruneStore(store);
    expect(result.removed).to.not.include(layer.descriptor.digest);
    expect(await store.hasBlob(layer.descriptor.digest)).to.equal(true);
  });

  it('verify reports corrupt, missing and mismatched blobs with their paths', async () => {
    const store = await Store.open(tempDir());
    const image = await putImage(store, { config: config(), layers: [await oneLayer(store)], tags: ['x'] });
    expect((await verifyStore(store)).problems).to.deep.equal([]);
    writeFileSync(store.blobPath(image.manifest.layers[0]!.digest), 'garbage');
    rmSync(store.blobPath(image.id));
    const report = await verifyStore(store);
    const text = report.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(text).to.contain(`${store.blobPath(image.manifest.layers[0]!.digest)}: content hashes to`);
    expect(text).to.contain(`${store.blobPath(image.id)}: missing, referenced by manifest ${image.manifestDigest}`);
    const cached = await oneLayer(store, 'cached');
    await setRoots(store, 'cache', [cached.descriptor.digest]);
    rmSync(store.blobPath(cached.descriptor.digest));
    const again = await verifyStore(store);
    expect(again.problems.map((p) => p.path)).to.include(store.blobPath(cached.descriptor.digest));
  });
});
