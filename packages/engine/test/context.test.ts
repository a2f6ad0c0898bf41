// The build context: what .dockerignore keeps, content digests, and the stat cache.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBuildContext, StatCache } from '../src/index.js';

function makeTree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-context-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

describe('build context', function () {
  const roots: string[] = [];
  const tree = (files: Record<string, string>): string => {
    const root = makeTree(files);
    roots.push(root);
    return root;
  };
  after(function () {
    for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
  });

  it('applies .dockerignore, re-including a file under an excluded folder', async function () {
    const root = tree({
      '.dockerignore': '# build output\nnode_modules\n!node_modules/keep/**\n*.md\n!README.md\n',
      'Dockerfile': 'FROM scratch\n',
      'README.md': 'r',
      'NOTES.md': 'n',
      'docs/guide.md': 'g',
      'node_modules/dep/index.js': 'x',
      'node_modules/keep/index.js': 'k',
    });
    const ctx = await readBuildContext(root);
    const files = [...ctx.entries.values()].filter((e) => e.kind === 'file').map((e) => e.path);
    expect(files).to.deep.equal(['.dockerignore', 'Dockerfile', 'README.md', 'docs/guide.md', 'node_modules/keep/index.js']);
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile', async function () {
    const root = tree({
      '.dockerignore': 'a.txt\n',
      'build/app.Dockerfile': 'FROM scratch\n',
      'build/app.Dockerfile.dockerignore': 'b.txt\n',
      'a.txt': 'a',
      'b.txt': 'b',
    });
    const ctx = await readBuildContext(root, { dockerfile: 'build/app.Dockerfile' });
    expect(ctx.entries.has('a.txt')).to.equal(true);
    expect(ctx.entries.has('b.txt')).to.equal(false);
    expect(ctx.ignore.file).to.equal(path.join(root, 'build/app.Dockerfile.dockerignore'));
  });

  it('hashes files by content and keeps symlinks as links', async function () {
    const root = tree({ 'a.txt': 'hello\n' });
    fs.symlinkSync('a.txt', path.join(root, 'link'));
    const ctx = await readBuildContext(root);
    expect(ctx.entries.get('a.txt')!.digest).to.equal('sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03');
    expect(ctx.entries.get('link')).to.include({ kind: 'symlink', target: 'a.txt' });
  });

  it('reads unchanged files from the stat cache, and re-hashes touched or edited ones', async function () {
    const root = tree({ 'a.txt': 'one', 'b.txt': 'two' });
    const cacheFile = path.join(root, '..', `${path.basename(root)}.statcache.json`);
    roots.push(cacheFile);
    let cache = await StatCache.load(cacheFile);
    const first = await readBuildContext(root, { statCache: cache });
    await cache.save();
    expect([first.hashed, first.cached]).to.deep.equal([2, 0]);

    cache = await StatCache.load(cacheFile);
    const second = await readBuildContext(root, { statCache: cache });
    expect([second.hashed, second.cached]).to.deep.equal([0, 2]);

    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'a.txt'), later, later);
    fs.writeFileSync(path.join(root, 'b.txt'), 'TWO');
    const third = await readBuildContext(root, { statCache: cache });
    expect(third.hashed).to.equal(2);
    expect(third.entries.get('a.txt')!.digest).to.equal(first.entries.get('a.txt')!.digest);
    expect(third.entries.get('b.txt')!.digest).to.not.equal(first.entries.get('b.txt')!.digest);
  });

  it('says which path is not a usable context', async function () {
    try {
      await readBuildContext('/nonexistent/dfc-context');
      expect.fail('expected an error');
    } catch (err) {
      expect((err as Error).message).to.equal('build context /nonexistent/dfc-context: not a directory');
    }
  });
});
