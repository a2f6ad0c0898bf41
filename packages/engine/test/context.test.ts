// The build context: what .dockerignore keeps, content digests, tree digests, and the stat cache.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dockerignoreFromText, readBuildContext, StatCache } from '../src/index.js';
import { indexListing, listContext, listContextShort, patchListing, shortListing, walkContext } from '../src/listing.js';

type Context = Awaited<ReturnType<typeof readBuildContext>>;

/** Every folder's tree digest (`` is the root). */
function treesOf(ctx: Context): Map<string, string | undefined> {
  const trees = new Map([['', ctx.entries.tree('')]]);
  for (const [rel, e] of ctx.entries) if (e.kind === 'dir') trees.set(rel, ctx.entries.tree(rel));
  return trees;
}

/**
 * Reads the context at `root` through the stat cache in `cacheFile` (after a pause, so that a
 * change made before it gets a new time), and checks that its tree digests equal a fresh read's.
 */
async function readThroughCache(root: string, cacheFile: string): Promise<Context> {
  await new Promise((r) => setTimeout(r, 30));
  const cache = await StatCache.load(cacheFile);
  const ctx = await readBuildContext(root, { statCache: cache });
  await cache.save();
  expect(treesOf(ctx)).to.deep.equal(treesOf(await readBuildContext(root)));
  return ctx;
}

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
    // Past the racy window: files written just before a walk are read again by the next one.
    await new Promise((r) => setTimeout(r, 30));
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

  it('gives a folder the tree digest the walk in Node gave it (names, modes, set-user-ID, links, hard links)', async function () {
    const root = tree({ 'a.txt': 'a', 'run.sh': 'run', 'sub/h1': 'h' });
    fs.chmodSync(path.join(root, 'a.txt'), 0o644);
    fs.chmodSync(path.join(root, 'run.sh'), 0o4755);
    fs.chmodSync(path.join(root, 'sub', 'h1'), 0o644);
    fs.symlinkSync('a.txt', path.join(root, 'link'));
    fs.linkSync(path.join(root, 'sub', 'h1'), path.join(root, 'sub', 'h2'));
    fs.chmodSync(path.join(root, 'sub'), 0o700);
    fs.chmodSync(root, 0o755);
    // The digests dfc gave this tree before it read the context from find's listing.
    const ctx = await readBuildContext(root);
    expect(ctx.entries.tree('sub')).to.equal('sha256:6975a52dc09c242f0d9d38d9db78492086f19c40eeb709b0aa72f1b883f340d6');
    expect(ctx.entries.tree('')).to.equal('sha256:d06a9ed98525c99f9efad44458d420c2f2d92c4577c7d7c28e6186eac1556b7c');
  });

  it('re-hashes a file edited to the same size and given back its mtime (its ctime or inode changed)', async function () {
    const root = tree({ 'a.txt': 'one', 'b.txt': 'two' });
    const cacheFile = path.join(root, '..', `${path.basename(root)}.statcache`);
    roots.push(cacheFile);
    const read = async (): Promise<Context> => {
      const cache = await StatCache.load(cacheFile);
      const ctx = await readBuildContext(root, { statCache: cache });
      await cache.save();
      return ctx;
    };
    await new Promise((r) => setTimeout(r, 30));
    const first = await read();
    const a = path.join(root, 'a.txt');
    const b = path.join(root, 'b.txt');
    const [aStat, bStat] = [fs.statSync(a), fs.statSync(b)];
    // In place: same inode, size and mtime; only the ctime moves.
    fs.writeFileSync(a, 'ONE');
    fs.utimesSync(a, aStat.atime, aStat.mtime);
    // Replaced by a rename: another inode, same size and mtime.
    fs.writeFileSync(`${b}.new`, 'TWO');
    fs.utimesSync(`${b}.new`, bStat.atime, bStat.mtime);
    fs.renameSync(`${b}.new`, b);
    await new Promise((r) => setTimeout(r, 30));
    const second = await read();
    expect(second.hashed).to.equal(2);
    expect(second.entries.get('a.txt')!.digest).to.not.equal(first.entries.get('a.txt')!.digest);
    expect(second.entries.get('b.txt')!.digest).to.not.equal(first.entries.get('b.txt')!.digest);
    expect(second.entries.tree('')).to.not.equal(first.entries.tree(''));
    const third = await read();
    expect([third.hashed, third.cached]).to.deep.equal([0, 2]);
  });

  it('re-hashes only what was added after a folder was removed or added, and survives a damaged stat cache', async function () {
    const files: Record<string, string> = {};
    for (let p = 0; p < 10; p++) for (let f = 0; f < 20; f++) files[`lib/pkg-${p}/f-${f}.js`] = `${p}.${f}`;
    const root = tree(files);
    const cacheFile = path.join(root, '..', `${path.basename(root)}.statcache`);
    roots.push(cacheFile);
    const read = (): Promise<Context> => readThroughCache(root, cacheFile);
    expect((await read()).hashed).to.equal(200);
    fs.rmSync(path.join(root, 'lib', 'pkg-3'), { recursive: true });
    expect((await read()).hashed).to.equal(0);
    fs.mkdirSync(path.join(root, 'lib', 'pkg-new'));
    for (let f = 0; f < 70; f++) fs.writeFileSync(path.join(root, 'lib', 'pkg-new', `g-${f}.js`), `${f}`);
    fs.rmSync(path.join(root, 'lib', 'pkg-5'), { recursive: true });
    expect((await read()).hashed).to.equal(70);
    const saved = fs.readFileSync(cacheFile);
    // Damaged past its header: the records are not trusted, and everything is read again.
    fs.writeFileSync(cacheFile, Buffer.concat([saved.subarray(0, saved.indexOf(10, 20) + 1), Buffer.alloc(saved.length, 0x20)]));
    expect((await read()).hashed).to.equal(230);
    expect((await read()).hashed).to.equal(0);
  });

  it('lists the same records with find as with the walk in Node, and leaves out pruned folders', function () {
    const root = tree({ 'a.txt': 'a', 'sub/b.txt': 'bb', 'sub/deep/c.txt': 'ccc', 'skip/x.txt': 'x', 'name with spaces\nand a newline': 'n' });
    fs.symlinkSync('../a.txt', path.join(root, 'sub', 'link'));
    fs.linkSync(path.join(root, 'a.txt'), path.join(root, 'sub', 'hard.txt'));
    fs.chmodSync(path.join(root, 'sub', 'b.txt'), 0o4755);
    const records = (listing: Buffer): string[] => {
      const out: string[] = [];
      const parts = listing.toString().split('\0');
      for (let i = 0; i + 1 < parts.length; i += 2) out.push(`${parts[i]}\0${parts[i + 1]}`);
      return out.sort();
    };
    const listing = listContext(root, ['skip']);
    const found = records(listing);
    expect(found).to.deep.equal(records(walkContext(root, new Set(['skip']))));
    // The short listing a no-op build compares is the full one's, field for field.
    expect(listContextShort(root, ['skip'])!.equals(shortListing(listing, indexListing(listing).starts))).to.equal(true);
    expect(found.map((r) => r.split(' ').slice(10).join(' ')).sort()).to.deep.equal(
      ['\0', 'a.txt\0', 'name with spaces\nand a newline\0', 'sub\0', 'sub/b.txt\0', 'sub/deep\0', 'sub/deep/c.txt\0', 'sub/hard.txt\0', 'sub/link\0../a.txt'].sort(),
    );
  });

  it('makes from the short listing and the last full one what find would list now', async function () {
    const files: Record<string, string> = {};
    for (let p = 0; p < 5; p++) for (let f = 0; f < 30; f++) files[`lib/pkg-${p}/f-${f}.js`] = `${p}.${f}`;
    const root = tree(files);
    fs.symlinkSync('f-0.js', path.join(root, 'lib', 'pkg-0', 'link.js'));
    const listing = listContext(root);
    const index = indexListing(listing);
    const last = { listing, short: shortListing(listing, index.starts), ...index };
    await new Promise((r) => setTimeout(r, 20));
    const p = (rel: string): string => path.join(root, rel);
    fs.writeFileSync(p('lib/pkg-1/f-3.js'), 'edited');
    fs.chmodSync(p('lib/pkg-2/f-4.js'), 0o600);
    fs.rmSync(p('lib/pkg-3'), { recursive: true });
    fs.rmSync(p('lib/pkg-4/f-7.js'));
    fs.mkdirSync(p('lib/pkg-new'));
    fs.writeFileSync(p('lib/pkg-new/a.js'), 'a');
    fs.rmSync(p('lib/pkg-0/link.js'));
    fs.symlinkSync('f-1.js', p('lib/pkg-0/link.js'));
    const patched = patchListing(root, listContextShort(root)!, last, 1000);
    expect(patched?.toString()).to.equal(listContext(root).toString());
    expect(patchListing(root, listContextShort(root)!, last, 3)).to.equal(undefined);
  });

  it('skips in the walk only what .dockerignore excludes whole, by name', function () {
    expect(dockerignoreFromText('.git\n/node_modules/\nbuild/out\n*.log\ndocs/**/*.md\n', undefined).prunable).to.deep.equal(['.git', 'node_modules', 'build/out']);
    expect(dockerignoreFromText('node_modules\n!node_modules/keep\n', undefined).prunable).to.deep.equal([]);
  });

  it('keeps every folder tree digest from the stat cache equal to one read afresh, through changes deep in a 1000-file folder', async function () {
    const files: Record<string, string> = { 'other/x.txt': 'x' };
    for (let p = 0; p < 20; p++) for (let f = 0; f < 50; f++) files[`lib/pkg-${p}/f-${f}.js`] = `module.exports = ${p * 50 + f};\n`;
    const root = tree(files);
    fs.symlinkSync('f-0.js', path.join(root, 'lib', 'pkg-3', 'link.js'));
    const cacheFile = path.join(root, '..', `${path.basename(root)}.statcache.json`);
    roots.push(cacheFile);
    const cachedRead = async (): Promise<Context> => {
      const cache = await StatCache.load(cacheFile);
      const ctx = await readBuildContext(root, { statCache: cache });
      await cache.save();
      return ctx;
    };
    // Past the racy window: files written just before a walk are read again by the next one.
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

    await settle();
    let last = await cachedRead();
    expect(last.hashed).to.equal(1001);
    await settle();
    const again = await cachedRead();
    expect([again.hashed, again.cached]).to.deep.equal([0, 1001]);
    expect(treesOf(again)).to.deep.equal(treesOf(last));
    last = again;

    const p = (rel: string): string => path.join(root, rel);
    const steps: [string, () => void, string[]][] = [
      ['an edit of the same size', () => fs.writeFileSync(p('lib/pkg-7/f-3.js'), 'module.exports = 999;\n'), ['', 'lib', 'lib/pkg-7']],
      ['a touch', () => fs.utimesSync(p('lib/pkg-7/f-4.js'), new Date(), new Date(Date.now() + 60000)), []],
      ['a chmod', () => fs.chmodSync(p('lib/pkg-1/f-1.js'), 0o600), ['', 'lib', 'lib/pkg-1']],
      ['a folder chmod', () => fs.chmodSync(p('lib/pkg-2'), 0o700), ['', 'lib']],
      ['a new file', () => fs.writeFileSync(p('lib/pkg-9/new.js'), ''), ['', 'lib', 'lib/pkg-9']],
      ['a removed file', () => fs.rmSync(p('lib/pkg-9/f-0.js')), ['', 'lib', 'lib/pkg-9']],
      ['a rename', () => fs.renameSync(p('lib/pkg-5/f-1.js'), p('lib/pkg-5/g-1.js')), ['', 'lib', 'lib/pkg-5']],
      ['a link given another target', () => { fs.rmSync(p('lib/pkg-3/link.js')); fs.symlinkSync('f-1.js', p('lib/pkg-3/link.js')); }, ['', 'lib', 'lib/pkg-3']],
      ['a new folder', () => fs.mkdirSync(p('lib/pkg-0/sub')), ['', 'lib', 'lib/pkg-0', 'lib/pkg-0/sub']],
      ['a file in the new folder', () => fs.writeFileSync(p('lib/pkg-0/sub/a.js'), 'a'), ['', 'lib', 'lib/pkg-0', 'lib/pkg-0/sub']],
      ['nothing', () => undefined, []],
    ];
    for (const [what, change, changed] of steps) {
      // Settled on both sides, so the stat cache's records are trusted and folder stats decide.
      await settle();
      change();
      await settle();
      const now = await cachedRead();
      const fresh = await readBuildContext(root);
      const [nowTrees, lastTrees] = [treesOf(now), treesOf(last)];
      expect(nowTrees, what).to.deep.equal(treesOf(fresh));
      const differ = [...new Set([...nowTrees.keys(), ...lastTrees.keys()])].filter((d) => nowTrees.get(d) !== lastTrees.get(d)).sort();
      expect(differ, what).to.deep.equal(changed);
      last = now;
    }
  });

  it('keeps tree digests right when .dockerignore or what it re-includes changes', async function () {
    const root = tree({ '.dockerignore': 'build\n!build/keep.txt\n', 'build/keep.txt': 'k', 'build/drop.txt': 'd', 'a.txt': 'a' });
    const cacheFile = path.join(root, '..', `${path.basename(root)}.statcache.json`);
    roots.push(cacheFile);
    const check = (): Promise<Context> => readThroughCache(root, cacheFile);
    expect([...(await check()).entries.keys()].sort()).to.deep.equal(['.dockerignore', 'a.txt', 'build', 'build/keep.txt']);
    await check();
    fs.rmSync(path.join(root, 'build', 'keep.txt'));
    expect([...(await check()).entries.keys()].sort()).to.deep.equal(['.dockerignore', 'a.txt']);
    fs.writeFileSync(path.join(root, 'build', 'keep.txt'), 'k');
    await check();
    fs.writeFileSync(path.join(root, '.dockerignore'), 'build\n!build/drop.txt\n');
    expect([...(await check()).entries.keys()].sort()).to.deep.equal(['.dockerignore', 'a.txt', 'build', 'build/drop.txt']);
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
