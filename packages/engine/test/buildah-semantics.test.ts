// Differential tests of Docker's semantics, corner by corner: small Dockerfiles with contexts made
// here (links, archives, odd names, .dockerignore), each built by dfc and by `buildah bud` (vfs,
// runc) from the same busybox base; the two images must have the same config and the same file
// tree, and dfc's history must match its layers. buildah builds with --layers=false (one commit,
// several times faster; buildah-diff.test.ts runs --layers on the fixtures). Where buildah 1.28 departs
// from Docker's documented behaviour (BuildKit is the reference), the case says so and only that
// difference is forgiven. Cases that must fail must fail in both. Needs root, buildah, runc,
// umoci, busybox-static, tar, xz-utils and bzip2.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportRootfsToDir, resolveImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build } from '../src/index.js';
import { Buildah, comparableConfig, configDiff, JobQueue, treeDiff, workdirsOf, type Config } from './buildah.js';
import { CASES, type ContextEntry, type SemanticsCase } from './fixtures/semantics.js';

/** buildah builds at once: each is mostly waiting on vfs copies and runc, not on a core. */
const BUILDAH_JOBS = 3;

/** DFC_SEMANTICS=name,name runs only those cases (while working on one). */
const only = process.env.DFC_SEMANTICS?.split(',').filter(Boolean);
const cases = only ? CASES.filter((c) => only.includes(c.name)) : CASES;

/** Writes a context entry at `abs` (an archive is made with the host's tar from its entries). */
function writeEntry(abs: string, entry: ContextEntry, scratch: string): void {
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  if (typeof entry === 'string') {
    fs.writeFileSync(abs, entry);
    fs.chmodSync(abs, 0o644);
  } else if ('content' in entry) {
    fs.writeFileSync(abs, entry.content);
    fs.chmodSync(abs, entry.mode ?? 0o644);
    if (entry.owner) fs.chownSync(abs, entry.owner[0], entry.owner[1]);
  } else if ('dir' in entry) {
    fs.mkdirSync(abs, { recursive: true });
    fs.chmodSync(abs, entry.mode ?? 0o755);
    if (entry.owner) fs.chownSync(abs, entry.owner[0], entry.owner[1]);
  } else if ('link' in entry) {
    fs.symlinkSync(entry.link, abs);
  } else if ('hardlink' in entry) {
    fs.linkSync(path.join(path.dirname(abs), entry.hardlink), abs);
  } else {
    const src = fs.mkdtempSync(path.join(scratch, 'tar-'));
    writeTree(src, entry.entries, scratch);
    const flag = { tar: '', gz: 'z', xz: 'J', bz2: 'j' }[entry.tar];
    const made = spawnSync('tar', ['--sort=name', '--numeric-owner', '--mtime=@0', `-c${flag}f`, abs, '-C', src, '.'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`tar: ${made.stderr}`);
    fs.chmodSync(abs, 0o644);
  }
}

function writeTree(root: string, entries: Record<string, ContextEntry>, scratch: string): void {
  // Folders first, so a later entry's mode or owner on a folder is not undone by a file in it.
  const names = Object.keys(entries).sort((a, b) => Number(typeof entries[b] === 'object' && 'dir' in entries[b]!) - Number(typeof entries[a] === 'object' && 'dir' in entries[a]!));
  for (const name of names) writeEntry(path.join(root, name), entries[name]!, scratch);
  // Folders' modes again, after their files went in.
  for (const name of names) {
    const e = entries[name]!;
    if (typeof e === 'object' && 'dir' in e) fs.chmodSync(path.join(root, name), e.mode ?? 0o755);
  }
}

/** History entries that made layers must match the layers one to one (Docker reads them so). */
function historyAgainstLayers(history: { empty_layer?: boolean }[], layers: number): string[] {
  const made = history.filter((h) => !h.empty_layer).length;
  return made === layers ? [] : [`history: ${made} entries made layers, the image has ${layers}`];
}

describe('dfc against buildah: Docker semantics, one corner per case', function () {
  this.timeout(300000);
  let dir: string;
  let store: Store;
  let runner: Runner;
  let buildah: Buildah;
  let queue: JobQueue<string>;

  const contextOf = (c: SemanticsCase): string => path.join(dir, 'contexts', c.name);
  const dockerfileOf = (c: SemanticsCase): string => path.join(dir, 'dockerfiles', `${c.name}.Dockerfile`);

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-semantics-'));
    store = await Store.open(path.join(dir, 'store'));
    buildah = await Buildah.start(path.join(dir, 'buildah'), store);
    runner = new Runner({ store });
    fs.mkdirSync(path.join(dir, 'dockerfiles'));
    for (const c of cases) {
      fs.mkdirSync(contextOf(c), { recursive: true });
      writeTree(contextOf(c), c.context ?? {}, dir);
      fs.writeFileSync(dockerfileOf(c), c.dockerfile);
      if (c.buildahDockerfile) fs.writeFileSync(`${dockerfileOf(c)}.buildah`, c.buildahDockerfile);
    }
    // buildah is the slow side: its builds run BUILDAH_JOBS at a time while dfc's run in the tests.
    const budOptions = (c: SemanticsCase) => ({ squashSteps: true, ...(c.buildArgs ? { buildArgs: c.buildArgs } : {}), ...(c.target ? { target: c.target } : {}) });
    queue = new JobQueue(
      cases.filter((c) => !c.dfcOnly).map((c) => c.name),
      (name) => {
        const c = cases.find((x) => x.name === name)!;
        const file = c.buildahDockerfile ? `${dockerfileOf(c)}.buildah` : dockerfileOf(c);
        return buildah.bud(contextOf(c), file, `localhost/semantics/${c.name}:buildah`, budOptions(c));
      },
      BUILDAH_JOBS,
    );
  });

  after(async function () {
    if (!buildah) return;
    await queue?.stop();
    await buildah.removeAll();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.name}: ${c.what}`, async function () {
      const text = c.dockerfile;
      const tag = `semantics/${c.name}:dfc`;
      const ours = build({
        store, runner, context: contextOf(c), dockerfile: dockerfileOf(c), text, tags: [tag],
        ...(c.buildArgs ? { buildArgs: c.buildArgs } : {}), ...(c.target ? { target: c.target } : {}),
      });
      if (c.fails) {
        const [dfcResult, buildahResult] = await Promise.allSettled([ours, c.dfcOnly ? Promise.reject(new Error()) : queue.result(c.name)]);
        expect(buildahResult.status, `${c.name}: buildah should fail too`).to.equal('rejected');
        expect(dfcResult.status, `${c.name}: dfc should fail`).to.equal('rejected');
        const message = dfcResult.status === 'rejected' ? (dfcResult.reason as Error).message : '';
        expect(message).to.match(c.fails);
        return;
      }
      await ours;
      const ourConfig = (await resolveImage(store, tag)).config as unknown as { config: Config; history?: { empty_layer?: boolean }[]; rootfs?: { diff_ids: string[] } };
      const ourRoot = path.join(dir, `dfc-${c.name}`);
      await exportRootfsToDir(store, tag, ourRoot);
      const work = path.join(dir, `buildah-${c.name}`);
      try {
        const differences: string[] = [];
        if (c.dfcOnly) {
          c.check?.(ourRoot, ourConfig.config);
        } else {
          const image = await queue.result(c.name);
          const theirs = await buildah.inspect(image);
          const theirRoot = await buildah.rootfs(image, work);
          const expected = { ...comparableConfig(theirs.config, true), ...(c.docker?.config ?? {}) };
          differences.push(...configDiff(comparableConfig(ourConfig.config, false), expected));
          const ignore = new Set(c.docker?.ignorePaths ?? []);
          differences.push(...treeDiff(ourRoot, theirRoot, ignore, workdirsOf(text, c.buildArgs)));
          differences.push(...historyAgainstLayers(ourConfig.history ?? [], ourConfig.rootfs?.diff_ids.length ?? 0));
          c.check?.(ourRoot, ourConfig.config);
        }
        expect(differences, `${c.name}: dfc's image against buildah's`).to.deep.equal([]);
      } finally {
        for (const d of [ourRoot, work]) fs.rmSync(d, { recursive: true, force: true });
      }
    });
  }
});
