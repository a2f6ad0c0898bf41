// Several processes at once, and writers killed with SIGKILL: the store stays valid.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Store, imageLayers, listImages, makeBusyboxImage, resolveImage, pruneStore, putImage, saveArchive, verifyStore, writeLayer } from '../src/index.js';
import { storeDist, tempDir } from './helpers.js';

/** Runs an ES module snippet in a child node process with `s` bound to @dfc/store. */
function child(code: string): { proc: ReturnType<typeof spawn>; output: Promise<string>; exited: Promise<number | null> } {
  const source = `import * as s from ${JSON.stringify(storeDist)};\n${code}`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, output: exited.then(() => out), exited };
}

function waitForOutput(proc: ReturnType<typeof spawn>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    proc.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    });
    proc.on('close', () => reject(new Error(`child exited before printing "${text}": ${seen}`)));
  });
}

describe('crash safety and concurrent writers', function () {
  this.timeout(120_000);

  it('two processes loading archives into one store at once leave an index holding both', async () => {
    const source = await Store.open(tempDir());
    await makeBusyboxImage(source, 'one:latest');
    const extra = await writeLayer(source, [{ kind: 'file', path: 'two', content: 'two' }]);
    const base = await resolveImage(source, 'one');
    await putImage(source, {
      config: { ...base.config, history: undefined },
      layers: [...imageLayers(base), extra],
      tags: ['two:latest'],
    });
    const dir = tempDir();
    const a = path.join(dir, 'a.tar');
    const b = path.join(dir, 'b.tar');
    await saveArchive(source, ['one'], createWriteStream(a), 'oci');
    await saveArchive(source, ['two'], createWriteStream(b), 'docker');
    const target = path.join(tempDir(), 'store');
    const load = (file: string) =>
      child(`const st = await s.Store.open(${JSON.stringify(target)});
for (let i = 0; i < 5; i++) await s.loadArchive(st, (await import('node:fs')).createReadStream(${JSON.stringify(file)}));
await st.close(); console.log('done');`);
    const [x, y] = [load(a), load(b)];
    const [ox, oy] = await Promise.all([x.output, y.output]);
    expect(ox.trim()).to.equal('done');
    expect(oy.trim()).to.equal('done');
    const store = await Store.open(target);
    expect((await listImages(store)).map((r) => r.reference)).to.deep.equal(['one:latest', 'two:latest']);
    expect((await verifyStore(store)).problems).to.deep.equal([]);
  });

  it('a writer killed with SIGKILL mid-blob leaves no blob and a clean verify', async () => {
    const root = path.join(tempDir(), 'store');
    const store = await Store.open(root);
    await makeBusyboxImage(store, 'before');
    const writer = child(`const st = await s.Store.open(${JSON.stringify(root)});
const { Readable } = await import('node:stream');
let n = 0;
const slow = new Readable({ read() {
  n++;
  if (n === 3) console.log('writing');
  setTimeout(() => this.push(Buffer.alloc(1 << 16, n)), 5);
} });
await st.putBlob(slow);`);
    await waitForOutput(writer.proc, 'writing');
    writer.proc.kill('SIGKILL');
    await writer.exited;
    expect(readdirSync(path.join(root, '.dfc', 'tmp')).length).to.equal(1); // the dead writer's temp file
    const report = await verifyStore(store);
    expect(report.problems).to.deep.equal([]);
    expect((await listImages(store)).map((r) => r.reference)).to.deep.equal(['before:latest']);
    const pruned = await pruneStore(store);
    expect(pruned.bytesFreed).to.be.greaterThan(0);
    expect(readdirSync(path.join(root, '.dfc', 'tmp'))).to.deep.equal([]);
  });

  it('a tagger killed with SIGKILL at any moment leaves an index that parses and a lock that frees', async () => {
    const root = path.join(tempDir(), 'store');
    const store = await Store.open(root);
    await makeBusyboxImage(store, 'base');
    for (let round = 0; round < 3; round++) {
      const tagger = child(`const st = await s.Store.open(${JSON.stringify(root)});
for (let i = 0; ; i++) { await s.tagImage(st, 'base', 'tag' + (i % 50)); if (i === 5) console.log('tagging'); }`);
      await waitForOutput(tagger.proc, 'tagging');
      tagger.proc.kill('SIGKILL');
      await tagger.exited;
      JSON.parse(readFileSync(path.join(root, 'index.json'), 'utf8'));
      // The next writer gets the lock even if the dead one held it.
      await makeBusyboxImage(store, `after${round}`);
    }
    expect((await verifyStore(store)).problems).to.deep.equal([]);
  });
});
