import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Store, entriesFromDir, layerDiffId, writeLayer, type LayerEntry } from '../src/index.js';
import { OffThreadSha256 } from '../src/sha256-worker.js';
import { storeDist, tarHeaders, tempDir } from './helpers.js';

async function layerBytes(store: Store, digest: string): Promise<Buffer> {
  return readFileSync(store.blobPath(digest as `sha256:${string}`));
}

function makeTree(dir: string, when: Date): void {
  mkdirSync(path.join(dir, 'b', 'deep'), { recursive: true });
  mkdirSync(path.join(dir, 'a'), { recursive: true });
  writeFileSync(path.join(dir, 'a', 'one.txt'), 'one\n');
  writeFileSync(path.join(dir, 'b', 'deep', 'big.bin'), Buffer.alloc(300_000, 7));
  writeFileSync(path.join(dir, 'b', 'tool'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'b', 'tool'), 0o4755);
  mkdirSync(path.join(dir, 'shared'));
  chmodSync(path.join(dir, 'shared'), 0o1777);
  linkSync(path.join(dir, 'a', 'one.txt'), path.join(dir, 'b', 'one-again.txt'));
  symlinkSync('../a/one.txt', path.join(dir, 'b', 'link'));
  writeFileSync(path.join(dir, 'a-sibling'), 'x');
  for (const p of ['a', 'a/one.txt', 'b', 'b/deep', 'b/deep/big.bin', 'b/tool', 'shared', 'a-sibling']) utimesSync(path.join(dir, p), when, when);
}

describe('layer writer: deterministic tars', () => {
  it('packs the same tree with different mtimes and atimes to byte-identical blobs', async () => {
    const store = await Store.open(tempDir());
    const one = tempDir();
    const two = tempDir();
    makeTree(one, new Date('2001-02-03T04:05:06Z'));
    makeTree(two, new Date('2024-12-31T23:59:59Z'));
    const a = await writeLayer(store, entriesFromDir(one), { mtime: 0 });
    const b = await writeLayer(store, entriesFromDir(two), { mtime: 0 });
    expect(b.diffId).to.equal(a.diffId);
    expect(b.descriptor).to.deep.equal(a.descriptor);
    // A second run, later in the day, gives the same blob again.
    const c = await writeLayer(store, entriesFromDir(one), { mtime: 0 });
    expect(c.descriptor.digest).to.equal(a.descriptor.digest);
  });

  it('gives the same digests in another process, time zone and locale', async () => {
    const store = await Store.open(tempDir());
    const dir = tempDir();
    makeTree(dir, new Date('2015-06-07T08:09:10Z'));
    const here = await writeLayer(store, entriesFromDir(dir), { mtime: 0 });
    const code = `import * as s from ${JSON.stringify(storeDist)};
const st = await s.Store.open(${JSON.stringify(tempDir())});
const l = await s.writeLayer(st, s.entriesFromDir(${JSON.stringify(dir)}), { mtime: 0 });
console.log(l.diffId + ' ' + l.descriptor.digest);`;
    const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' };
    delete env.SOURCE_DATE_EPOCH;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' });
    expect(r.stdout.trim(), r.stderr).to.equal(`${here.diffId} ${here.descriptor.digest}`);
  });

  it('computes diff_id over the tar and the digest over the gzip blob', async () => {
    const store = await Store.open(tempDir());
    const layer = await writeLayer(store, [{ kind: 'file', path: 'f', content: 'data' }]);
    const blob = await layerBytes(store, layer.descriptor.digest);
    expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).to.equal(layer.descriptor.digest);
    const plain = gunzipSync(blob);
    expect(`sha256:${createHash('sha256').update(plain).digest('hex')}`).to.equal(layer.diffId);
    expect(layer.tarSize).to.equal(plain.length);
    expect(layer.descriptor.mediaType).to.equal('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('writes entries in layer order with normalized metadata', async () => {
    const store = await Store.open(tempDir());
    const dir = tempDir();
    makeTree(dir, new Date('2010-01-01T00:00:00Z'));
    const layer = await writeLayer(store, entriesFromDir(dir, { owner: { uid: 1000, gid: 1000 } }), { mtime: 1700000000 });
    const headers = await tarHeaders(gunzipSync(await layerBytes(store, layer.descriptor.digest)));
    expect(headers.map((h) => h.name)).to.deep.equal([
      'a/', 'a/one.txt', 'a-sibling', 'b/', 'b/deep/', 'b/deep/big.bin', 'b/link', 'b/one-again.txt', 'b/tool', 'shared/',
    ]);
    for (const h of headers) {
      expect(h.mtime.getTime()).to.equal(1700000000 * 1000);
      expect([h.uid, h.gid, h.uname, h.gname]).to.deep.equal([1000, 1000, '', '']);
      expect(h.pax).to.equal(null);
    }
    const byName = new Map(headers.map((h) => [h.name, h]));
    expect(byName.get('b/tool')!.mode).to.equal(0o4755);
    expect(byName.get('shared/')!.mode).to.equal(0o1777);
    expect(byName.get('b/one-again.txt')).to.include({ type: 'link', linkname: 'a/one.txt' });
    expect(byName.get('b/link')).to.include({ type: 'symlink', linkname: '../a/one.txt' });
    expect(byName.get('b/deep/big.bin')!.body.length).to.equal(300_000);
  });

  it('takes mtime from SOURCE_DATE_EPOCH, else 0', async () => {
    const store = await Store.open(tempDir());
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '1234567890';
      const a = await writeLayer(store, [{ kind: 'file', path: 'f', content: 'x' }]);
      delete process.env.SOURCE_DATE_EPOCH;
      const b = await writeLayer(store, [{ kind: 'file', path: 'f', content: 'x' }]);
      const [ha] = await tarHeaders(gunzipSync(await layerBytes(store, a.descriptor.digest)));
      const [hb] = await tarHeaders(gunzipSync(await layerBytes(store, b.descriptor.digest)));
      expect(ha!.mtime.getTime()).to.equal(1234567890000);
      expect(hb!.mtime.getTime()).to.equal(0);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  it('uses PAX records only for fields that need them', async () => {
    const store = await Store.open(tempDir());
    const long = `d/${'n'.repeat(120)}`;
    const entries: LayerEntry[] = [
      { kind: 'file', path: 'short', content: '' },
      { kind: 'file', path: long, content: '' },
      { kind: 'file', path: 'ünicode', content: '' },
      { kind: 'file', path: 'bigid', content: '', uid: 3_000_000, gid: 7 },
      { kind: 'symlink', path: 'far', target: `/${'t'.repeat(150)}` },
    ];
    const layer = await writeLayer(store, entries);
    const headers = await tarHeaders(gunzipSync(await layerBytes(store, layer.descriptor.digest)));
    const byName = new Map(headers.map((h) => [h.name, h]));
    expect(byName.get('short')!.pax).to.equal(null);
    expect(byName.get(long)!.pax).to.not.equal(null);
    expect(byName.get('ünicode')!.pax).to.not.equal(null);
    expect((byName.get('bigid')!.pax as Record<string, string>).uid).to.equal('3000000');
    expect(byName.get('far')!.linkname).to.equal(`/${'t'.repeat(150)}`);
  });

  it('writes whiteouts and opaque markers', async () => {
    const store = await Store.open(tempDir());
    const layer = await writeLayer(store, [
      { kind: 'whiteout', path: '/etc/gone.conf' },
      { kind: 'opaque', path: 'var/cache' },
      { kind: 'dir', path: 'var/cache' },
    ]);
    const headers = await tarHeaders(gunzipSync(await layerBytes(store, layer.descriptor.digest)));
    expect(headers.map((h) => `${h.name} ${h.type} ${h.size}`)).to.deep.equal(['etc/.wh.gone.conf file 0', 'var/cache/ directory 0', 'var/cache/.wh..wh..opq file 0']);
  });

  it('sorts a list of entries and refuses duplicates and dangling hard links', async () => {
    const store = await Store.open(tempDir());
    const unsorted = await writeLayer(store, [
      { kind: 'file', path: 'z', content: 'z' },
      { kind: 'file', path: 'a', content: 'a' },
    ]);
    const sorted = await writeLayer(store, [
      { kind: 'file', path: 'a', content: 'a' },
      { kind: 'file', path: 'z', content: 'z' },
    ]);
    expect(unsorted.diffId).to.equal(sorted.diffId);
    let message = '';
    await writeLayer(store, [
      { kind: 'file', path: 'a', content: 'a' },
      { kind: 'file', path: '/a', content: 'b' },
    ]).catch((err: Error) => (message = err.message));
    expect(message).to.contain('two entries for "a"');
    await writeLayer(store, [{ kind: 'hardlink', path: 'a', target: 'zzz' }]).catch((err: Error) => (message = err.message));
    expect(message).to.contain('not earlier in the layer');
  });

  it('fails cleanly, leaving no blob, when the source or a file fails mid-layer', async () => {
    const root = tempDir();
    const store = await Store.open(root);
    async function* failing(): AsyncGenerator<LayerEntry> {
      yield { kind: 'file', path: 'a', content: Buffer.alloc(100_000) };
      throw new Error('walk failed here');
    }
    let message = '';
    await writeLayer(store, failing()).catch((err: Error) => (message = err.message));
    expect(message).to.equal('walk failed here');
    const dir = tempDir();
    writeFileSync(path.join(dir, 'small'), 'abc');
    await writeLayer(store, [{ kind: 'file', path: 'small', content: { hostPath: path.join(dir, 'small'), size: 10 } }]).catch((err: Error) => (message = err.message));
    expect(message).to.contain(`${path.join(dir, 'small')}: file shrank while it was packed`);
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(2 << 20));
    await writeLayer(store, [{ kind: 'file', path: 'big', content: { hostPath: path.join(dir, 'big'), size: 3 << 20 } }]).catch((err: Error) => (message = err.message));
    expect(message).to.contain(`${path.join(dir, 'big')}: file shrank while it was packed`);
    await writeLayer(store, [{ kind: 'file', path: 'gone', content: { hostPath: path.join(dir, 'nope'), size: 1 } }]).catch((err: Error) => (message = err.message));
    expect(message).to.contain(`${path.join(dir, 'nope')}: cannot read`);
    expect(await store.listBlobs()).to.deep.equal([]);
    expect(readdirSync(path.join(root, '.dfc', 'tmp'))).to.deep.equal([]);
  });

  it('can store a layer uncompressed, its digest then being its diff_id', async () => {
    const store = await Store.open(tempDir());
    const layer = await writeLayer(store, [{ kind: 'file', path: 'f', content: 'x' }], { compression: 'none' });
    expect(layer.descriptor.digest).to.equal(layer.diffId);
    expect(layer.descriptor.mediaType).to.equal('application/vnd.oci.image.layer.v1.tar');
  });

  it('gives the same tar uncompressed, gzip-compressed and hashed only, for small and multi-chunk files', async () => {
    const store = await Store.open(tempDir());
    const dir = tempDir();
    makeTree(dir, new Date('2010-01-01T00:00:00Z'));
    // Files around the 1 MiB read size, one of them random so no two chunks are alike.
    writeFileSync(path.join(dir, 'random.bin'), randomBytes(5 * (1 << 20) + 3));
    writeFileSync(path.join(dir, 'one-mib.bin'), Buffer.alloc(1 << 20, 1));
    writeFileSync(path.join(dir, 'one-mib-plus.bin'), Buffer.alloc((1 << 20) + 1, 2));
    const gz = await writeLayer(store, entriesFromDir(dir), { mtime: 0 });
    const none = await writeLayer(store, entriesFromDir(dir), { mtime: 0, compression: 'none' });
    const only = await layerDiffId(entriesFromDir(dir), { mtime: 0 });
    const tarBytes = await layerBytes(store, none.descriptor.digest);
    expect(gunzipSync(await layerBytes(store, gz.descriptor.digest)).equals(tarBytes)).to.equal(true);
    expect(none.diffId).to.equal(gz.diffId);
    expect(only).to.deep.equal({ diffId: gz.diffId, tarSize: gz.tarSize });
    expect(none.tarSize).to.equal(tarBytes.length);
    expect(`sha256:${createHash('sha256').update(tarBytes).digest('hex')}`).to.equal(none.diffId);
  });

  it('fails cleanly uncompressed too, leaving no blob, and the process still exits on its own', async () => {
    const root = tempDir();
    const store = await Store.open(root);
    async function* failing(): AsyncGenerator<LayerEntry> {
      yield { kind: 'file', path: 'a', content: Buffer.alloc(3 << 20, 1) };
      throw new Error('walk failed here');
    }
    let message = '';
    await writeLayer(store, failing(), { compression: 'none' }).catch((err: Error) => (message = err.message));
    expect(message).to.equal('walk failed here');
    await layerDiffId([{ kind: 'file', path: 'gone', content: { hostPath: path.join(root, 'nope'), size: 1 } }]).catch((err: Error) => (message = err.message));
    expect(message).to.contain(`${path.join(root, 'nope')}: cannot read`);
    expect(await store.listBlobs()).to.deep.equal([]);
    expect(readdirSync(path.join(root, '.dfc', 'tmp'))).to.deep.equal([]);
    // A process that wrote a layer (and failed one) ends without being told to: the hash worker holds nothing open.
    const code = `import * as s from ${JSON.stringify(storeDist)};
const st = await s.Store.open(${JSON.stringify(tempDir())});
const l = await s.writeLayer(st, [{ kind: 'file', path: 'f', content: Buffer.alloc(3 << 20) }], { compression: 'none' });
await s.layerDiffId([{ kind: 'file', path: 'g', content: { hostPath: '/nonexistent', size: 1 } }]).catch(() => {});
await st.close();
console.log(l.diffId);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, 'the child did not exit by itself').to.equal(null);
    expect(r.stdout.trim(), r.stderr).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('rejects when the hash worker cannot write, and keeps working for the next layer', async () => {
    const hash = new OffThreadSha256(1 << 20); // no such descriptor
    await hash.update(Buffer.alloc(5 << 20));
    let message = '';
    await hash.digest().catch((err: Error) => (message = err.message));
    await hash.abort();
    expect(message).to.match(/EBADF|bad file descriptor/i);
    const ok = await layerDiffId([{ kind: 'file', path: 'f', content: 'x' }]);
    expect(ok.diffId).to.match(/^sha256:/);
  });
});
