// ADD of a URL in a build, against a local HTTP server: the step is keyed by what was downloaded
// (a changed file misses, an unchanged one hits after a 304), and a cancelled build stops its
// download and leaves no partial file. Checked by the image's files. Needs root (overlay mounts).
import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportRootfsToDir, makeBusyboxImage, resolveImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build } from '../src/index.js';

describe('ADD of a URL in a build', function () {
  this.timeout(120000);
  let dir: string;
  let store: Store;
  let server: http.Server;
  let base: string;
  let content = 'version 1\n';
  let etag = '"v1"';
  const seen: { url: string; ifNoneMatch: string | undefined; status: number }[] = [];
  /** Responses of /slow, left hanging after half the body. */
  const hanging: http.ServerResponse[] = [];
  let slowClosed = false;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-add-url-'));
    store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    server = http.createServer((req, res) => {
      const ifNoneMatch = req.headers['if-none-match'];
      if (req.url === '/slow') {
        res.writeHead(200, { 'content-length': String(1 << 20) });
        res.write(Buffer.alloc(64 << 10, 'x'));
        res.on('close', () => (slowClosed = true));
        hanging.push(res);
        seen.push({ url: req.url, ifNoneMatch, status: 200 });
        return;
      }
      const status = ifNoneMatch === etag ? 304 : 200;
      seen.push({ url: req.url ?? '', ifNoneMatch, status });
      res.writeHead(status, { etag });
      res.end(status === 200 ? content : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    for (const res of hanging) res.destroy();
    server.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function buildText(text: string, tag: string, signal?: AbortSignal): Promise<string> {
    const context = path.join(dir, 'context');
    fs.mkdirSync(context, { recursive: true });
    const dockerfile = path.join(context, 'Dockerfile');
    fs.writeFileSync(dockerfile, text);
    const result = await build({ store, runner: new Runner({ store }), context, dockerfile, text, tags: [tag], ...(signal ? { signal } : {}) });
    return result.imageId;
  }

  async function fileIn(tag: string, file: string): Promise<string> {
    const root = path.join(dir, `rootfs-${tag.replace(/\W/g, '_')}`);
    await exportRootfsToDir(store, tag, root);
    return fs.readFileSync(path.join(root, file), 'utf8');
  }

  it('a changed download misses the cache; an unchanged one is a hit after a 304', async function () {
    const text = `FROM busybox:latest\nADD ${base}/file.txt /file.txt\n`;
    await buildText(text, 'url:1');
    expect(await fileIn('url:1', 'file.txt')).to.equal('version 1\n');

    content = 'version 2\n';
    etag = '"v2"';
    await buildText(text, 'url:2');
    expect(await fileIn('url:2', 'file.txt')).to.equal('version 2\n');

    seen.length = 0;
    const again = await buildText(text, 'url:3');
    expect(again).to.equal((await resolveImage(store, 'url:2')).id);
    expect(seen).to.deep.equal([{ url: '/file.txt', ifNoneMatch: '"v2"', status: 304 }]);
  });

  it('a server without validators is downloaded and compared by content', async function () {
    const plain = http.createServer((_req, res) => res.end(content));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const text = `FROM busybox:latest\nADD http://127.0.0.1:${(plain.address() as AddressInfo).port}/a.txt /a.txt\n`;
      content = 'plain 1\n';
      const first = await buildText(text, 'plain:1');
      expect(await buildText(text, 'plain:2')).to.equal(first);
      content = 'plain 2\n';
      await buildText(text, 'plain:3');
      expect(await fileIn('plain:3', 'a.txt')).to.equal('plain 2\n');
    } finally {
      plain.close();
    }
  });

  it('cancelling the build stops the download and leaves no partial file', async function () {
    const controller = new AbortController();
    const started = Date.now();
    const building = buildText(`FROM busybox:latest\nADD ${base}/slow /slow.bin\n`, 'slow:1', controller.signal);
    while (!seen.some((s) => s.url === '/slow')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    let error: unknown;
    try {
      await building;
    } catch (err) {
      error = err;
    }
    expect(error, 'the build fails').to.be.instanceOf(Error);
    expect(Date.now() - started).to.be.lessThan(10000);
    // The server sees its client go away.
    for (let i = 0; i < 100 && !slowClosed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(slowClosed, 'the connection was closed').to.equal(true);
    const downloads = path.join(store.recordsDir, 'downloads');
    const left = fs.existsSync(downloads) ? fs.readdirSync(downloads) : [];
    // Only the earlier tests' downloads: their records and bytes, no temp file.
    expect(left.filter((n) => !/^blob-[0-9a-f]{64}$|^[0-9a-f]{32}\.json$/.test(n))).to.deep.equal([]);
    expect(left.filter((n) => n.startsWith('blob-')).map((n) => fs.statSync(path.join(downloads, n)).size)).to.not.include(64 << 10);
    expect(fs.readdirSync(path.join(store.recordsDir, 'tmp')).filter((n) => n.startsWith(`build-${process.pid}-`))).to.deep.equal([]);
  });
});
