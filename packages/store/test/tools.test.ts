// Real tools read what dfc writes, and dfc reads what they write. These tests need skopeo, umoci,
// podman and buildah (scripts/debian-packages); a missing tool fails the test with the install command.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import {
  Store, exportRootfsToDir, imageLayers, loadArchive, makeBusyboxImage, putImage, resolveImage, saveArchive, writeLayer, type ImageRecord,
} from '../src/index.js';
import { requireTool, run, tempDir } from './helpers.js';

/** A comparable listing of a tree: path, type, mode, owner, and content hash or link target. */
function treeOf(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.push(`${r}/ ${meta}`);
        walk(p, r);
      } else if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(p)}`);
      else out.push(`${r} ${meta} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`);
    }
  };
  walk(root, '');
  return out;
}

async function sampleImage(store: Store): Promise<ImageRecord> {
  const base = await makeBusyboxImage(store, 'busybox');
  const top = await writeLayer(store, [
    { kind: 'dir', path: 'app', mode: 0o755 },
    { kind: 'file', path: 'app/tool', content: '#!/bin/sh\necho tool\n', mode: 0o4755, uid: 1000, gid: 1000 },
    { kind: 'hardlink', path: 'app/tool-again', target: 'app/tool' },
    { kind: 'symlink', path: 'app/link', target: 'tool' },
    { kind: 'dir', path: 'app/shared', mode: 0o1777 },
    { kind: 'whiteout', path: 'etc/group' },
  ]);
  return putImage(store, {
    config: { ...base.config, config: { ...base.config.config, Cmd: ['/app/tool'] }, history: [...(base.config.history ?? []), { created_by: 'dfc test layer' }] },
    layers: [...imageLayers(base), top],
    tags: ['sample:1'],
  });
}

describe('checked by real tools', function () {
  this.timeout(180_000);
  let store: Store;
  let image: ImageRecord;
  let ociArchive: string;
  let dockerArchive: string;

  before(async () => {
    store = await Store.open(tempDir());
    image = await sampleImage(store);
    ociArchive = path.join(tempDir(), 'sample-oci.tar');
    dockerArchive = path.join(tempDir(), 'sample-docker.tar');
    await saveArchive(store, ['sample:1'], createWriteStream(ociArchive), 'oci');
    await saveArchive(store, ['sample:1'], createWriteStream(dockerArchive), 'docker');
  });

  it('skopeo inspect reads the store layout and both archives', () => {
    requireTool('skopeo', 'skopeo');
    const layout = JSON.parse(run('skopeo', ['inspect', `oci:${store.root}:sample:1`])) as { Digest: string; Layers: string[] };
    expect(layout.Digest).to.equal(image.manifestDigest);
    expect(layout.Layers).to.deep.equal(image.manifest.layers.map((l) => l.digest));
    const oci = JSON.parse(run('skopeo', ['inspect', `oci-archive:${ociArchive}`])) as { Digest: string };
    expect(oci.Digest).to.equal(image.manifestDigest);
    const docker = JSON.parse(run('skopeo', ['inspect', '--config', `docker-archive:${dockerArchive}`])) as { rootfs: { diff_ids: string[] } };
    expect(docker.rootfs.diff_ids).to.deep.equal(image.config.rootfs.diff_ids);
  });

  it('skopeo copy copies out of the store and the archives', () => {
    requireTool('skopeo', 'skopeo');
    const dest = tempDir();
    run('skopeo', ['copy', '-q', `oci:${store.root}:sample:1`, `oci:${dest}:copied`]);
    run('skopeo', ['copy', '-q', `oci-archive:${ociArchive}`, `oci:${dest}:from-oci-archive`]);
    run('skopeo', ['copy', '-q', `docker-archive:${dockerArchive}`, `oci:${dest}:from-docker-archive`]);
    const index = JSON.parse(readFileSync(path.join(dest, 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(index.manifests).to.have.length(3);
  });

  it('docker-archive and OCI archives written by skopeo load into dfc with the same tree', async () => {
    requireTool('skopeo', 'skopeo');
    const dir = tempDir();
    run('skopeo', ['copy', '-q', `oci:${store.root}:sample:1`, `docker-archive:${dir}/d.tar:other/name:2`]);
    run('skopeo', ['copy', '-q', `oci:${store.root}:sample:1`, `oci-archive:${dir}/o.tar:third:3`]);
    const into = await Store.open(tempDir());
    expect((await loadArchive(into, createReadStream(`${dir}/d.tar`))).images[0]!.tags).to.deep.equal(['docker.io/other/name:2']);
    expect((await loadArchive(into, createReadStream(`${dir}/o.tar`))).images[0]!.tags).to.deep.equal(['third:3']);
    const expected = tempDir();
    await exportRootfsToDir(store, 'sample:1', expected);
    for (const ref of ['docker.io/other/name:2', 'third:3']) {
      const got = tempDir();
      await exportRootfsToDir(into, ref, got);
      expect(treeOf(got), ref).to.deep.equal(treeOf(expected));
    }
  });

  it('umoci unpack of our image gives the tree dfc unpacks', async () => {
    requireTool('umoci', 'umoci');
    const bundle = path.join(tempDir(), 'bundle');
    run('umoci', ['unpack', '--image', `${store.root}:sample:1`, bundle]);
    const ours = tempDir();
    await exportRootfsToDir(store, 'sample:1', ours);
    const theirs = treeOf(path.join(bundle, 'rootfs'));
    expect(theirs).to.deep.equal(treeOf(ours));
    expect(theirs).to.include('app/tool 4755 1000:1000 ' + createHash('sha256').update('#!/bin/sh\necho tool\n').digest('hex').slice(0, 16));
    expect(theirs).to.include('app/shared/ 1777 0:0');
    expect(theirs.some((l) => l.startsWith('etc/group'))).to.equal(false);
    expect(lstatSync(path.join(bundle, 'rootfs', 'app/tool-again')).ino).to.equal(lstatSync(path.join(bundle, 'rootfs', 'app/tool')).ino);
  });

  it('podman load accepts our OCI archive and our docker archive', () => {
    requireTool('podman', 'podman');
    const root = tempDir();
    const podman = ['--root', path.join(root, 'storage'), '--runroot', path.join(root, 'run'), '--storage-driver', 'vfs'];
    expect(run('podman', [...podman, 'load', '-q', '-i', ociArchive])).to.contain('sample:1');
    expect(run('podman', [...podman, 'load', '-q', '-i', dockerArchive])).to.contain('sample:1');
    const ids = run('podman', [...podman, 'images', '--no-trunc', '--format', '{{.ID}}']);
    expect(ids).to.contain(image.id.slice(7));
  });

  it('an image buildah built and pushed to an OCI archive loads into dfc with the same tree', async () => {
    requireTool('buildah', 'buildah');
    const root = tempDir();
    const buildah = ['--root', path.join(root, 'storage'), '--runroot', path.join(root, 'run'), '--storage-driver', 'vfs'];
    const context = tempDir();
    const { mkdirSync, writeFileSync, symlinkSync, chmodSync } = await import('node:fs');
    mkdirSync(path.join(context, 'sub'));
    writeFileSync(path.join(context, 'sub', 'hello.txt'), 'hello from buildah\n');
    chmodSync(path.join(context, 'sub', 'hello.txt'), 0o640);
    symlinkSync('hello.txt', path.join(context, 'sub', 'link'));
    const container = run('buildah', [...buildah, 'from', '--quiet', `oci-archive:${ociArchive}`]).trim();
    run('buildah', [...buildah, 'copy', container, context, '/srv']);
    run('buildah', [...buildah, 'run', '--isolation', 'chroot', container, '--', '/bin/sh', '-c', 'rm /etc/passwd && mkdir -p /var/made && echo x > /var/made/by-run']);
    run('buildah', [...buildah, 'config', '--cmd', '/bin/cat /srv/sub/hello.txt', '--env', 'FOO=bar', container]);
    const built = path.join(tempDir(), 'built.tar');
    run('buildah', [...buildah, 'commit', '--quiet', container, `oci-archive:${built}:built:v1`]);
    const mount = run('buildah', [...buildah, 'mount', container]).trim();

    const loaded = await loadArchive(store, createReadStream(built));
    expect(loaded.images.map((i) => i.tags)).to.deep.equal([['built:v1']]);
    const image = await resolveImage(store, 'built:v1');
    expect(image.config.config?.Env).to.include('FOO=bar');
    const ours = tempDir();
    await exportRootfsToDir(store, 'built:v1', ours);
    expect(treeOf(ours)).to.deep.equal(treeOf(mount));
    expect(readFileSync(path.join(ours, 'srv/sub/hello.txt'), 'utf8')).to.equal('hello from buildah\n');
    run('buildah', [...buildah, 'rm', container]);
  });
});
