// The store's commands as a user runs them: `dfc images`, `rmi`, `tag`, `prune`, `store verify`,
// `save`, `load`, `import`, through the real binary.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Store, makeBusyboxImage, resolveImage } from '../src/index.js';
import { craftTar, repoRoot, tempDir } from './helpers.js';

const dfcBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'dfc.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

/** The real binary in a child process: for pipes, and to prove no stack trace ever escapes. */
function dfcProcess(root: string, args: string[], input?: Buffer): Run {
  const r = spawnSync(process.execPath, [dfcBin, ...args], { env: { ...process.env, DFC_ROOT: root }, input, encoding: 'buffer', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), raw: r.stdout };
}

type Main = (argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string; env: NodeJS.ProcessEnv }) => Promise<number>;
let mainOf: Promise<Main> | undefined;

/** The same command line in this process (a node start per command would dominate the run). */
async function dfc(root: string, args: string[]): Promise<Run> {
  mainOf ??= import(pathToFileURL(path.join(repoRoot, 'packages', 'cli', 'dist', 'src', 'main.js')).href).then((m: { main: Main }) => m.main);
  const main = await mainOf;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => new Writable({ write: (c: Buffer, _e, cb) => (into.push(Buffer.from(c)), cb()) });
  const status = await main(args, { stdout: sink(out), stderr: sink(err), cwd: process.cwd(), env: { ...process.env, DFC_ROOT: root } });
  const raw = Buffer.concat(out);
  return { status, stdout: raw.toString(), stderr: Buffer.concat(err).toString(), raw };
}

describe('dfc store commands', function () {
  this.timeout(60_000);

  it('images, tag, rmi and prune', async () => {
    const root = path.join(tempDir(), 'store');
    const store = await Store.open(root);
    const image = await makeBusyboxImage(store, 'busybox');
    // A live writer session of this process would (rightly) make prune spare the fresh blobs.
    await store.close();
    let r = await dfc(root, ['tag', 'busybox', 'mine:v1']);
    expect(r.status, r.stderr).to.equal(0);
    r = await dfc(root, ['images']);
    expect(r.stdout.split('\n')[0]).to.match(/^REFERENCE\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(r.stdout).to.match(new RegExp(`busybox:latest\\s+${image.id.slice(7, 19)}\\s+\\S.*\\s+1\\.\\d+MB`));
    expect(r.stdout).to.contain('mine:v1');
    r = await dfc(root, ['rmi', 'mine:v1', 'busybox']);
    expect(r.stdout).to.equal('Untagged: mine:v1\nUntagged: busybox:latest\n');
    r = await dfc(root, ['prune']);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/Total reclaimed space: 1\.\d+MB \(\d+ bytes\)/);
    expect((await dfc(root, ['images', '-q'])).stdout).to.equal('');
  });

  it('store verify exits non-zero on corruption, naming the blob', async () => {
    const root = path.join(tempDir(), 'store');
    const store = await Store.open(root);
    const image = await makeBusyboxImage(store, 'busybox');
    let r = await dfc(root, ['store', 'verify']);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain('ok');
    writeFileSync(store.blobPath(image.id), '{}');
    r = await dfc(root, ['store', 'verify']);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain(`${store.blobPath(image.id)}: content hashes to`);
    expect(r.stderr).to.match(/^dfc store verify: 1 problem in /);
  });

  it('save and load in both formats, to files and through pipes', async () => {
    const from = path.join(tempDir(), 'from');
    const image = await makeBusyboxImage(await Store.open(from), 'busybox');
    const dir = tempDir();
    for (const format of ['oci', 'docker']) {
      const file = path.join(dir, `${format}.tar`);
      expect((await dfc(from, ['save', '--format', format, '-o', file, 'busybox'])).status).to.equal(0);
      const to = path.join(tempDir(), 'to');
      const r = await dfc(to, ['load', '-i', file]);
      expect(r.stdout).to.equal('Loaded image: busybox:latest\n');
      expect((await resolveImage(await Store.open(to), 'busybox')).id).to.equal(image.id);
    }
    const piped = dfcProcess(from, ['save', 'busybox']);
    const to = path.join(tempDir(), 'to');
    expect(dfcProcess(to, ['load'], piped.raw).status).to.equal(0);
  });

  it('import makes an image of a rootfs tar', async () => {
    const root = path.join(tempDir(), 'store');
    const tar = path.join(tempDir(), 'rootfs.tar');
    writeFileSync(tar, await craftTar([{ name: 'hello', body: 'hi' }]));
    const r = await dfc(root, ['import', tar, 'imported:1']);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^sha256:[0-9a-f]{64}\n$/);
    expect((await dfc(root, ['images'])).stdout).to.contain('imported:1');
    // --root wins over $DFC_ROOT.
    expect((await dfc(path.join(tempDir(), 'elsewhere'), ['images', '--root', root])).stdout).to.contain('imported:1');
  });

  it('bad input gets one clear line naming the path, never a stack trace', async () => {
    const root = path.join(tempDir(), 'store');
    const notTar = path.join(tempDir(), 'not-a-tar.txt');
    writeFileSync(notTar, 'hello '.repeat(200));
    const cases: [string[], RegExp][] = [
      [['load', '-i', notTar], new RegExp(`^dfc load: ${notTar}: bad image archive: `)],
      [['load', '-i', '/nonexistent/x.tar'], /^dfc load: \/nonexistent\/x\.tar: no such file\n$/],
      [['import', notTar, 'x'], new RegExp(`^dfc import: ${notTar}: not a tar archive`)],
      [['rmi', 'nope'], /^dfc rmi: no image "nope:latest" in the store/],
      [['tag', 'nope', 'x'], /^dfc tag: no image "nope:latest" in the store/],
      [['save', '-o', path.join(tempDir(), 'x.tar'), 'nope'], /^dfc save: no image "nope:latest"/],
      [['tag', 'a'], /^dfc tag: give a source image and a target tag/],
    ];
    for (const [i, [args, pattern]] of cases.entries()) {
      // The first two through the real binary: an unhandled stream error would show there.
      const r = i < 2 || args[0] === 'import' ? dfcProcess(root, args) : await dfc(root, args);
      expect(r.status, args.join(' ')).to.not.equal(0);
      expect(r.stderr, args.join(' ')).to.match(pattern);
      expect(r.stderr).to.not.contain('    at ');
    }
    // A root that is some other directory is refused, and left alone.
    const other = tempDir();
    writeFileSync(path.join(other, 'mine'), 'x');
    const r = await dfc(other, ['images']);
    expect(r.stderr).to.equal(`dfc images: ${other}: not a dfc store (no oci-layout file) and not empty; choose another --root\n`);
    expect(readFileSync(path.join(other, 'mine'), 'utf8')).to.equal('x');
  });
});
