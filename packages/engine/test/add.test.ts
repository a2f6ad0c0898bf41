// ADD: local archives are extracted (tar, gzip, bzip2, xz), URLs are downloaded and checked.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LayerEntry } from '@dfc/store';
import { contextTree, hostTree, planAdd, readBuildContext, type AddRequest } from '../src/index.js';
import { decompress } from '../src/add.js';

describe('ADD semantics', function () {
  let root: string;
  let base: Omit<AddRequest, 'sources' | 'destination'>;
  let server: http.Server;
  let url: string;
  const payload = 'downloaded bytes\n';

  before(async function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-add-'));
    const ctxDir = path.join(root, 'context');
    const src = path.join(root, 'src');
    fs.mkdirSync(path.join(src, 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(src, 'pkg', 'a.txt'), 'a');
    fs.mkdirSync(ctxDir);
    execFileSync('tar', ['-cf', path.join(ctxDir, 'plain.tar'), '-C', src, 'pkg']);
    execFileSync('tar', ['-czf', path.join(ctxDir, 'app.tgz'), '-C', src, 'pkg']);
    execFileSync('tar', ['-cjf', path.join(ctxDir, 'app.tar.bz2'), '-C', src, 'pkg']);
    execFileSync('tar', ['-cJf', path.join(ctxDir, 'app.tar.xz'), '-C', src, 'pkg']);
    fs.writeFileSync(path.join(ctxDir, 'notes.txt'), 'not an archive');
    const imageDir = path.join(root, 'image');
    fs.mkdirSync(imageDir);
    const ctx = await readBuildContext(ctxDir);
    base = { workdir: '/', tree: contextTree(ctx), image: hostTree(imageDir), scratch: path.join(root, 'scratch') };
    server = http.createServer((req, res) => {
      if (req.url === '/files/tool.bin') res.end(payload);
      else {
        res.statusCode = 404;
        res.end('no');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(function () {
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  let n = 0;
  async function add(sources: string[], destination: string, extra: Partial<AddRequest> = {}): Promise<LayerEntry[]> {
    const result = await planAdd({ ...base, scratch: path.join(base.scratch, String(n++)), sources, destination, ...extra });
    if (!result.ok) throw new Error(result.error);
    return result.entries;
  }

  const paths = (entries: LayerEntry[]): string[] => entries.map((e) => `${e.kind} ${e.path}`);

  for (const archive of ['plain.tar', 'app.tgz', 'app.tar.bz2', 'app.tar.xz']) {
    it(`extracts ${archive} into the destination`, async function () {
      expect(paths(await add([archive], '/opt/'))).to.deep.equal(['dir /opt', 'dir /opt/pkg', 'file /opt/pkg/a.txt']);
    });
  }

  it('keeps all of a decompressing tool\'s output, even when the tool has exited before it is read', async function () {
    // Node resumes (drops) a child's unread output when the child exits; a small archive's tool
    // exits at once, so its output must be taken from the start.
    for (const format of ['bzip2', 'xz'] as const) {
      const file = path.join(root, 'context', format === 'xz' ? 'app.tar.xz' : 'app.tar.bz2');
      const { output, done } = decompress(format, fs.createReadStream(file));
      expect(await done).to.equal(undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const chunks: Buffer[] = [];
      for await (const chunk of output) chunks.push(chunk as Buffer);
      const tarBytes = Buffer.concat(chunks);
      expect(tarBytes.length % 512, format).to.equal(0);
      expect(tarBytes.length, format).to.be.at.least(1024);
      expect(tarBytes.includes('pkg/a.txt'), format).to.equal(true);
    }
  });

  it('copies a file that is not an archive as it is', async function () {
    expect(paths(await add(['notes.txt'], '/opt/'))).to.deep.equal(['dir /opt', 'file /opt/notes.txt']);
  });

  it('downloads a URL as a 0600 file named after the URL, checked against --checksum', async function () {
    const digest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
    const entries = await add([`${url}/files/tool.bin`], '/usr/local/bin/', { checksum: digest });
    expect(entries.map((e) => `${e.kind} ${e.path} ${'mode' in e ? e.mode?.toString(8) : ''}`)).to.deep.equal([
      'dir /usr 755', 'dir /usr/local 755', 'dir /usr/local/bin 755', 'file /usr/local/bin/tool.bin 600',
    ]);
    const file = entries[3] as { content: { hostPath: string } };
    expect(fs.readFileSync(file.content.hostPath, 'utf8')).to.equal(payload);
  });

  it('fails on a checksum mismatch or an HTTP error, naming the URL', async function () {
    const bad = await planAdd({ ...base, scratch: path.join(base.scratch, 'bad'), sources: [`${url}/files/tool.bin`], destination: '/x', checksum: 'sha256:' + '0'.repeat(64) });
    expect(bad.ok ? '' : bad.error).to.match(/^ADD http:\/\/127\.0\.0\.1:\d+\/files\/tool\.bin: checksum mismatch: expected sha256:0+, got sha256:/);
    const missing = await planAdd({ ...base, scratch: path.join(base.scratch, 'missing'), sources: [`${url}/nope`], destination: '/x' });
    expect(missing.ok ? '' : missing.error).to.match(/nope: download failed: HTTP 404/);
  });
});
