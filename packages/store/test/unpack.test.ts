import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { UnsafeLayerError, unpackLayer } from '../src/index.js';
import { craftTar, streamOf, tempDir, type CraftedEntry } from './helpers.js';

/** A sandbox: `root` is where the layer goes; `outside` sits beside it and must stay untouched. */
function sandbox(): { root: string; outside: string } {
  const base = tempDir();
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'victim'), 'original');
  return { root, outside };
}

async function unpack(entries: CraftedEntry[], root: string): Promise<string> {
  try {
    await unpackLayer(streamOf(await craftTar(entries)), root);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

function untouched(outside: string): void {
  expect(readdirSync(outside)).to.deep.equal(['victim']);
  expect(readFileSync(path.join(outside, 'victim'), 'utf8')).to.equal('original');
}

describe('unpacker: never writes outside the root', () => {
  it('refuses an entry whose name climbs out with ..', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([{ name: '../outside/victim', body: 'pwned' }], root);
    expect(message).to.contain('"../outside/victim"').and.contain('climbs out of the root');
    untouched(outside);
  });

  it('refuses .. hidden in the middle of a name', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([{ name: 'a/../../outside/victim', body: 'pwned' }], root);
    expect(message).to.contain('climbs out of the root');
    untouched(outside);
  });

  it('contains an absolute name inside the root', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([{ name: `/${path.join(outside, 'victim').slice(1)}`, body: 'contained' }], root);
    expect(message).to.equal('');
    untouched(outside);
    expect(readFileSync(path.join(root, outside, 'victim'), 'utf8')).to.equal('contained');
  });

  it('contains a write through an absolute symlink that points out', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([
      { name: 'escape', type: 'symlink', linkname: outside },
      { name: 'escape/victim', body: 'pwned' },
    ], root);
    expect(message).to.equal('');
    untouched(outside);
    expect(readlinkSync(path.join(root, 'escape'))).to.equal(outside);
    expect(readFileSync(path.join(root, outside, 'victim'), 'utf8')).to.equal('pwned');
  });

  it('contains a write through a relative symlink that climbs out', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([
      { name: 'up', type: 'symlink', linkname: '../../../../../../outside' },
      { name: 'up/victim', body: 'pwned' },
    ], root);
    expect(message).to.equal('');
    untouched(outside);
    expect(readFileSync(path.join(root, 'outside', 'victim'), 'utf8')).to.equal('pwned');
  });

  it('replaces a symlink entry rather than writing through it', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([
      { name: 'victim', type: 'symlink', linkname: path.join(outside, 'victim') },
      { name: 'victim', body: 'replaced' },
    ], root);
    expect(message).to.equal('');
    untouched(outside);
    expect(lstatSync(path.join(root, 'victim')).isFile()).to.equal(true);
  });

  it('does not follow a symlink already in the root from a lower layer', async () => {
    const { root, outside } = sandbox();
    symlinkSync(outside, path.join(root, 'lower-link'));
    const message = await unpack([{ name: 'lower-link/victim', body: 'pwned' }], root);
    expect(message).to.equal('');
    untouched(outside);
  });

  it('refuses a hard link to a path outside', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([{ name: 'grab', type: 'link', linkname: '../outside/victim' }], root);
    expect(message).to.contain('"grab"').and.contain('climbs out of the root');
    untouched(outside);
    expect(existsSync(path.join(root, 'grab'))).to.equal(false);
  });

  it('resolves an absolute hard link target inside the root, never on the host', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([{ name: 'grab', type: 'link', linkname: path.join(outside, 'victim') }], root);
    expect(message).to.contain('not in the root');
    untouched(outside);
  });

  it('contains a hard link made through a symlinked directory', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([
      { name: 'door', type: 'symlink', linkname: outside },
      { name: 'grab', type: 'link', linkname: 'door/victim' },
    ], root);
    expect(message).to.contain('not in the root');
    untouched(outside);
  });

  it('contains whiteouts that reach through a symlink or climb out', async () => {
    const { root, outside } = sandbox();
    expect(await unpack([
      { name: 'door', type: 'symlink', linkname: outside },
      { name: 'door/.wh.victim' },
    ], root)).to.equal('');
    untouched(outside);
    expect(await unpack([{ name: '../outside/.wh.victim' }], root)).to.contain('climbs out');
    expect(await unpack([{ name: 'x/.wh...' }], root)).to.contain('names no file');
    untouched(outside);
  });

  it('stops at symlink loops with an error', async () => {
    const { root, outside } = sandbox();
    const message = await unpack([
      { name: 'loop1', type: 'symlink', linkname: 'loop2' },
      { name: 'loop2', type: 'symlink', linkname: 'loop1' },
      { name: 'loop1/file', body: 'x' },
    ], root);
    expect(message).to.contain('too many levels of symbolic links');
    untouched(outside);
  });

  it('errors clearly on a file that is not a tar', async () => {
    const { root } = sandbox();
    let message = '';
    await unpackLayer(streamOf(Buffer.alloc(2048, 'x')), root).catch((err: Error) => (message = err.message));
    expect(message).to.match(/^bad layer tar: /);
  });

  it('throws UnsafeLayerError for refused entries', async () => {
    const { root } = sandbox();
    let error: unknown;
    await unpackLayer(streamOf(await craftTar([{ name: '../x', body: '' }])), root).catch((err) => (error = err));
    expect(error).to.be.instanceOf(UnsafeLayerError);
  });
});

describe('unpacker: applying layers', () => {
  it('extracts files, dirs, links and modes, gzip or not', async () => {
    const { root } = sandbox();
    const tar = await craftTar([
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/tool', body: 'run', mode: 0o4755 },
      { name: 'bin/alias', type: 'link', linkname: 'bin/tool' },
      { name: 'bin/sym', type: 'symlink', linkname: 'tool' },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'p', type: 'fifo', mode: 0o600 },
    ]);
    await unpackLayer(streamOf(gzipSync(tar)), root);
    expect(statSync(path.join(root, 'bin/tool')).mode & 0o7777).to.equal(0o4755);
    expect(statSync(path.join(root, 'tmp')).mode & 0o7777).to.equal(0o1777);
    expect(statSync(path.join(root, 'bin/alias')).ino).to.equal(statSync(path.join(root, 'bin/tool')).ino);
    expect(readlinkSync(path.join(root, 'bin/sym'))).to.equal('tool');
    expect(lstatSync(path.join(root, 'p')).isFIFO()).to.equal(true);
    expect(statSync(path.join(root, 'bin/tool')).mtimeMs).to.equal(0);
  });

  it('gives small and large files their bytes, owner, mode and mtime', async () => {
    const { root } = sandbox();
    const big = Buffer.alloc((1 << 20) + 5, 9);
    const when = new Date('2020-02-02T02:02:02Z');
    await unpackLayer(
      streamOf(
        await craftTar([
          { name: 'small', body: 'tiny', mode: 0o2750, uid: 1234, gid: 5678, mtime: when },
          { name: 'big', body: big, mode: 0o4711, uid: 4321, gid: 8765, mtime: when },
          { name: 'empty', body: '', mode: 0o600 },
        ]),
      ),
      root,
      { chown: process.getuid?.() === 0 },
    );
    expect(readFileSync(path.join(root, 'small'), 'utf8')).to.equal('tiny');
    expect(readFileSync(path.join(root, 'big')).equals(big)).to.equal(true);
    expect(readFileSync(path.join(root, 'empty')).length).to.equal(0);
    for (const [name, mode, uid, gid] of [['small', 0o2750, 1234, 5678], ['big', 0o4711, 4321, 8765]] as const) {
      const st = statSync(path.join(root, name));
      expect(st.mode & 0o7777, name).to.equal(mode);
      expect(st.mtimeMs, name).to.equal(when.getTime());
      if (process.getuid?.() === 0) expect([st.uid, st.gid], name).to.deep.equal([uid, gid]);
    }
  });

  it('applies whiteouts and opaque directories over a lower layer', async () => {
    const { root } = sandbox();
    await unpackLayer(streamOf(await craftTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/keep', body: 'k' },
      { name: 'etc/gone', body: 'g' },
      { name: 'var/', type: 'directory' },
      { name: 'var/old', body: 'o' },
      { name: 'var/sub/', type: 'directory' },
    ])), root);
    await unpackLayer(streamOf(await craftTar([
      { name: 'etc/.wh.gone' },
      { name: 'var/', type: 'directory' },
      { name: 'var/new', body: 'n' },
      { name: 'var/.wh..wh..opq' },
    ])), root);
    expect(readdirSync(path.join(root, 'etc'))).to.deep.equal(['keep']);
    // The opaque marker hides the lower layer's files but not this layer's own, whatever the order.
    expect(readdirSync(path.join(root, 'var'))).to.deep.equal(['new']);
  });

  it('reports the diff_id, and can record whiteouts instead of applying them', async () => {
    const { root } = sandbox();
    writeFileSync(path.join(root, 'keep'), 'lower');
    const tar = await craftTar([{ name: '.wh.keep' }, { name: 'd/', type: 'directory' }, { name: 'd/.wh..wh..opq' }, { name: 'd/new', body: 'n' }]);
    const result = await unpackLayer(streamOf(gzipSync(tar)), root, { whiteouts: 'record' });
    expect(result.diffId).to.equal(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    expect(result.whiteouts).to.deep.equal(['.wh.keep', 'd/.wh..wh..opq']);
    expect(readdirSync(root).sort()).to.deep.equal(['d', 'keep']);
    expect(readdirSync(path.join(root, 'd'))).to.deep.equal(['new']);
  });

  it('replaces a file by a directory and a directory by a file', async () => {
    const { root } = sandbox();
    await unpackLayer(streamOf(await craftTar([{ name: 'x', body: 'file' }, { name: 'y/', type: 'directory' }, { name: 'y/inner', body: 'i' }])), root);
    await unpackLayer(streamOf(await craftTar([{ name: 'x/', type: 'directory' }, { name: 'y', body: 'now a file' }])), root);
    expect(statSync(path.join(root, 'x')).isDirectory()).to.equal(true);
    expect(readFileSync(path.join(root, 'y'), 'utf8')).to.equal('now a file');
  });
});
