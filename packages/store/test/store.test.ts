import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Store, defaultStoreRoot, digestOf } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('store: OCI layout on disk', () => {
  it('creates oci-layout, index.json and blobs/sha256 in a new directory', async () => {
    const root = path.join(tempDir(), 'store');
    const store = await Store.open(root);
    expect(JSON.parse(readFileSync(path.join(root, 'oci-layout'), 'utf8'))).to.deep.equal({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(readFileSync(path.join(root, 'index.json'), 'utf8'))).to.include({ schemaVersion: 2 });
    expect(existsSync(path.join(root, 'blobs', 'sha256'))).to.equal(true);
    expect((await store.readIndex()).manifests).to.deep.equal([]);
  });

  it('refuses a non-empty directory that is not a store, naming it', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'precious.txt'), 'keep me');
    let message = '';
    await Store.open(root).catch((err: Error) => (message = err.message));
    expect(message).to.contain(root).and.contain('not a dfc store');
    expect(readdirSync(root)).to.deep.equal(['precious.txt']);
  });

  it('finds its root from $DFC_ROOT, then $XDG_DATA_HOME, then ~/.local/share', () => {
    expect(defaultStoreRoot({ DFC_ROOT: '/a', XDG_DATA_HOME: '/b', HOME: '/h' })).to.equal('/a');
    expect(defaultStoreRoot({ XDG_DATA_HOME: '/b', HOME: '/h' })).to.equal('/b/dfc');
    expect(defaultStoreRoot({ HOME: '/h' })).to.equal('/h/.local/share/dfc');
  });
});

describe('store: blobs', () => {
  it('stores bytes and streams under their digest', async () => {
    const store = await Store.open(tempDir());
    const a = await store.putBlob('hello');
    expect(a).to.deep.equal({ digest: digestOf('hello'), size: 5 });
    const b = await store.putBlob(Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
    expect(b).to.deep.equal(a);
    expect((await store.readBlob(a.digest)).toString()).to.equal('hello');
    expect(await store.listBlobs()).to.deep.equal([a.digest]);
  });

  it('refuses a blob whose digest does not match and leaves nothing behind', async () => {
    const root = tempDir();
    const store = await Store.open(root);
    const wrong = digestOf('something else');
    let message = '';
    await store.putBlob(Readable.from([Buffer.from('hello')]), wrong).catch((err: Error) => (message = err.message));
    expect(message).to.contain('digest mismatch');
    expect(await store.listBlobs()).to.deep.equal([]);
    expect(readdirSync(path.join(root, '.dfc', 'tmp'))).to.deep.equal([]);
  });

  it('detects a corrupted blob when reading it', async () => {
    const store = await Store.open(tempDir());
    const { digest } = await store.putBlob('original');
    writeFileSync(store.blobPath(digest), 'tampered');
    let message = '';
    await store.readBlob(digest).catch((err: Error) => (message = err.message));
    expect(message).to.contain(store.blobPath(digest)).and.contain('corrupt');
  });

  it('writing a blob again repairs a truncated copy', async () => {
    const store = await Store.open(tempDir());
    const { digest } = await store.putBlob('complete content');
    writeFileSync(store.blobPath(digest), 'compl');
    await store.putBlob(Readable.from([Buffer.from('complete content')]));
    expect((await store.readBlob(digest)).toString()).to.equal('complete content');
  });

  it('a failing source stream leaves no blob and no temp file', async () => {
    const root = tempDir();
    const store = await Store.open(root);
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('disk on fire'));
      },
    });
    let message = '';
    await store.putBlob(failing).catch((err: Error) => (message = err.message));
    expect(message).to.contain('disk on fire');
    expect(await store.listBlobs()).to.deep.equal([]);
    expect(readdirSync(path.join(root, '.dfc', 'tmp'))).to.deep.equal([]);
  });
});

describe('store: index under a lock', () => {
  it('serializes concurrent index updates so none is lost', async () => {
    const store = await Store.open(tempDir());
    const blobs = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putBlob(`blob ${i}`)));
    await Promise.all(
      blobs.map((b, i) =>
        store.updateIndex((index) => {
          index.manifests.push({ mediaType: 'application/octet-stream', digest: b.digest, size: b.size, annotations: { n: String(i) } });
        }),
      ),
    );
    expect((await store.readIndex()).manifests).to.have.length(20);
  });

  it('takes over a lock left by a dead process', async () => {
    const root = tempDir();
    const store = await Store.open(root);
    mkdirSync(path.join(root, '.dfc'), { recursive: true });
    // pid 2^22+1 is above Linux's pid_max default and so not alive.
    writeFileSync(path.join(root, '.dfc', 'index.lock'), '4194305 dead\n');
    const b = await store.putBlob('x');
    await store.updateIndex((index) => void index.manifests.push({ mediaType: 'text/plain', digest: b.digest, size: 1 }));
    expect((await store.readIndex()).manifests).to.have.length(1);
    expect(existsSync(path.join(root, '.dfc', 'index.lock'))).to.equal(false);
  });

  it('never indexes a blob that is not in the store', async () => {
    const store = await Store.open(tempDir());
    let message = '';
    await store
      .updateIndex((index) => void index.manifests.push({ mediaType: 'text/plain', digest: digestOf('absent'), size: 6 }))
      .catch((err: Error) => (message = err.message));
    expect(message).to.contain('missing');
    expect((await store.readIndex()).manifests).to.deep.equal([]);
  });

  it('reports an unparsable index with its path', async () => {
    const root = tempDir();
    const store = await Store.open(root);
    writeFileSync(path.join(root, 'index.json'), '{not json');
    let message = '';
    await store.readIndex().catch((err: Error) => (message = err.message));
    expect(message).to.equal(`${path.join(root, 'index.json')}: the store index is not valid JSON`);
  });
});
