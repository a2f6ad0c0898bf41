// RUN steps in runc over overlayfs: output as it comes, exit codes, the upper dir as the layer
// (whiteouts, opaque directories, never the runtime's mount points), users, mounts, limits.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Store } from '@dfc/store';
import { Runner, UserLookupError, type LayerRef } from '../src/index.js';
import { fixture, imageWith, layerListing, mountsUnder, runcContainers, sh, tempDir, type Fixture } from './helpers.js';

describe('runner: RUN steps in runc', function () {
  this.timeout(60_000);
  let f: Fixture;
  before(async () => {
    f = await fixture();
  });
  afterEach(() => {
    // Whatever a test did, nothing of it may be left running or mounted.
    expect(runcContainers(f.scratchDir)).to.deep.equal([]);
    expect(mountsUnder(f.scratchDir)).to.deep.equal([]);
  });

  it('streams stdout and stderr and returns the exit status; a failed step writes no layer', async () => {
    const r = await sh(f, 'echo out; echo err >&2; touch /made; exit 3');
    expect(r.exitCode).to.equal(3);
    expect(r.stdout).to.equal('out\n');
    expect(r.stderr).to.equal('err\n');
    expect(r.layer).to.equal(undefined);
  });

  it('hands output over while the process still runs', async () => {
    // The process waits for input that is only sent once its first line has arrived.
    const stdin = new PassThrough();
    let out = '';
    const r = await f.runner.run({
      layers: f.layers,
      scratchDir: f.scratchDir,
      args: ['sh', '-c', 'echo first; read line; echo "got $line"'],
      stdin,
      diff: false,
      onStdout: (c) => {
        out += c.toString();
        if (out === 'first\n') stdin.end('go\n');
      },
    });
    expect(r.exitCode).to.equal(0);
    expect(out).to.equal('first\ngot go\n');
  });

  it('makes the upper dir the layer: new files, whiteouts, opaque directories, no mount points', async () => {
    const r = await sh(f, 'mkdir -p /a/b && echo x > /a/b/c && rm /bin/ls && rm -rf /home && rm -rf /usr && mkdir /usr && touch /usr/new && cat /etc/hosts /etc/resolv.conf >/dev/null');
    expect(r.exitCode).to.equal(0);
    const listing = await layerListing(f.store, r.layer!.descriptor.digest);
    expect(listing).to.deep.equal([
      'file .wh.home',
      'directory a/',
      'directory a/b/',
      'file a/b/c',
      'directory bin/',
      'file bin/.wh.ls',
      'directory usr/',
      'file usr/.wh..wh..opq',
      'file usr/new',
    ]);
  });

  it('writes no layer when nothing changed, and never one with /etc/hosts, /proc, /dev or /sys', async () => {
    const r = await sh(f, 'ls /proc/self /dev/null /sys/kernel >/dev/null && cat /etc/hostname >/dev/null');
    expect(r.exitCode).to.equal(0);
    expect(r.layer).to.equal(undefined);
  });

  it('stacks layers: a later step sees the files and whiteouts of earlier ones', async () => {
    const first = await sh(f, 'echo one > /one && rm /bin/ls && rm -rf /usr && mkdir /usr && touch /usr/only');
    const stacked: LayerRef[] = [...f.layers, { diffId: first.layer!.diffId, descriptor: first.layer!.descriptor }];
    const second = await sh(f, 'cat /one; ls /usr; test -e /bin/ls && echo ls-still-there; test -e /usr/bin && echo usr-bin-still-there; echo two > /two', { layers: stacked });
    expect(second.stdout).to.equal('one\nonly\n');
    expect(await layerListing(f.store, second.layer!.descriptor.digest)).to.deep.equal(['file two']);
  });

  it('keeps a renamed directory of the image whole in the layer (no overlay redirects)', async () => {
    const moved = await sh(f, 'mv /usr/bin /usr/moved && chown -R 65534 /sbin');
    expect(moved.exitCode).to.equal(0);
    const stacked: LayerRef[] = [...f.layers, { diffId: moved.layer!.diffId, descriptor: moved.layer!.descriptor }];
    const after = await sh(f, 'ls /usr/moved | wc -l; ls /usr; stat -c %u /sbin/ip', { layers: stacked });
    const [count, ...rest] = after.stdout.trim().split('\n');
    expect(Number(count)).to.be.greaterThan(10);
    expect(rest).to.deep.equal(['moved', 'sbin', '65534']);
  });

  it('runs with env, a working directory it creates, and a host name', async () => {
    const r = await sh(f, 'echo "$GREETING $PATH"; pwd; hostname', { env: ['GREETING=hello'], cwd: '/work/dir', hostname: 'builder' });
    expect(r.stdout).to.equal('hello /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/work/dir\nbuilder\n');
    expect(await layerListing(f.store, r.layer!.descriptor.digest)).to.deep.equal(['directory work/', 'directory work/dir/']);
  });

  it('runs as a user named in the image, and fails clearly for one it does not have', async () => {
    const r = await sh(f, 'id -u; id -g; touch /tmp/mine; stat -c %u:%g /tmp/mine', { user: 'nobody' });
    expect(r.stdout).to.equal('65534\n65534\n65534:65534\n');
    let err: unknown;
    await sh(f, 'true', { user: 'ghost' }).catch((e) => (err = e));
    expect(err).to.be.instanceOf(UserLookupError);
    expect((err as Error).message).to.contain('unable to find user ghost');
  });

  it('has only loopback in its network namespace, and Docker capabilities', async () => {
    const r = await sh(f, "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '; grep CapEff /proc/self/status");
    expect(r.stdout).to.equal('lo\nCapEff:\t00000000a80425fb\n');
  });

  it('bind-mounts a host directory read-only and keeps it out of the layer', async () => {
    const host = tempDir();
    writeFileSync(path.join(host, 'data'), 'from host\n');
    const r = await sh(f, 'cat /src/data; touch /src/x 2>/dev/null || echo read-only; echo done > /done', { mounts: [{ type: 'bind', source: host, target: '/src', readonly: true }, { type: 'tmpfs', target: '/cache' }] });
    expect(r.stdout).to.equal('from host\nread-only\n');
    expect(await layerListing(f.store, r.layer!.descriptor.digest)).to.deep.equal(['file done']);
  });

  it('applies memory and CPU limits through cgroups', async () => {
    const r = await sh(f, 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max', { memoryBytes: 64 << 20, cpus: 0.5 });
    expect(r.exitCode).to.equal(0);
    expect(r.stdout.trim()).to.equal(String(64 << 20));
  });

  it('gives the same layer from a copied root and a tree comparison as from overlayfs', async () => {
    const script = 'mkdir -p /a/b && echo x > /a/b/c && rm /bin/ls && rm -rf /home && chmod 700 /tmp && ln -s /a/b/c /link';
    const notices: string[] = [];
    const copy = new Runner({ store: f.store, rootfs: 'copy', onNotice: (m) => notices.push(m) });
    const viaOverlay = await sh(f, script);
    const viaCopy = await sh(f, script, { runner: copy });
    expect(viaCopy.layer!.diffId).to.equal(viaOverlay.layer!.diffId);
    expect(notices).to.deep.equal([]);
  });

  it('says once that it falls back to a copied root when overlayfs cannot be mounted', async () => {
    // A scratch dir whose name overlayfs cannot take stands in for a kernel without it.
    const notices: string[] = [];
    const runner = new Runner({ store: f.store, onNotice: (m) => notices.push(m) });
    const scratchDir = path.join(tempDir(), 'a,b');
    mkdirSync(scratchDir);
    const one = await sh(f, 'echo 1 > /one', { runner, scratchDir });
    const two = await sh(f, 'echo 2 > /two', { runner, scratchDir });
    expect([one.exitCode, two.exitCode]).to.deep.equal([0, 0]);
    expect(await layerListing(f.store, two.layer!.descriptor.digest)).to.deep.equal(['file two']);
    expect(notices).to.have.length(1);
    expect(notices[0]).to.contain('using a copied root file system');
  });

  it('runs over an image without layers (FROM scratch) on overlayfs too', async () => {
    const notices: string[] = [];
    const runner = new Runner({ store: await Store.open(tempDir()), onNotice: (m) => notices.push(m) });
    let stderr = '';
    const r = await runner.run({ layers: [], scratchDir: f.scratchDir, args: ['/bin/true'], onStderr: (c) => (stderr += c.toString()) });
    expect(r.exitCode).to.not.equal(0);
    expect(stderr).to.contain('/bin/true');
    expect(notices).to.deep.equal([]);
  });

  it('takes any runtime binary that runs a bundle as runc does, such as a fake one for tests', async () => {
    const dir = tempDir();
    const fake = path.join(dir, 'fake-runtime');
    // "run --bundle B ID": writes into the root the bundle names, and says what it was given.
    writeFileSync(fake, `#!/bin/sh
[ "$1" = run ] || exit 0
root=$(sed -n 's/.*"path": "\\(.*\\)",*$/\\1/p' "$3/config.json" | head -n 1)
echo "fake $1 $4"
echo made > "$root/by-fake"
exit 0
`, { mode: 0o755 });
    const runner = new Runner({ store: f.store, runtime: fake });
    const r = await sh(f, 'ignored', { runner, id: 'dfc-fake-1' });
    expect(r.stdout).to.equal('fake run dfc-fake-1\n');
    expect(await layerListing(f.store, r.layer!.descriptor.digest)).to.deep.equal(['file by-fake']);
  });

  it('fails with the install command when the runtime is missing', async () => {
    const runner = new Runner({ store: f.store, runtime: 'no-such-runtime-dfc' });
    let err: unknown;
    await runner.run({ layers: f.layers, scratchDir: f.scratchDir, args: ['true'] }).catch((e) => (err = e));
    expect((err as Error).message).to.equal('OCI runtime "no-such-runtime-dfc" not found in PATH; install it with: apt-get install -y runc');
  });

  it('runs steps side by side over an image whose layers are unpacked by the first of them', async () => {
    const layers = await imageWith(f, 'parallel', [{ kind: 'file', path: 'shared', content: 'shared\n' }]);
    const results = await Promise.all([0, 1, 2].map((i) => sh(f, `cat /shared; echo ${i} > /own${i}`, { layers })));
    for (const [i, r] of results.entries()) {
      expect(r.stdout).to.equal('shared\n');
      expect(await layerListing(f.store, r.layer!.descriptor.digest)).to.deep.equal([`file own${i}`]);
    }
  });

  it('keeps the unpacked layers beside the OCI layout, never in blobs/', async () => {
    await sh(f, 'true');
    const listing = spawnSync('ls', [f.store.root], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(listing).to.deep.equal(['blobs', 'index.json', 'oci-layout', 'scratch']);
    expect(spawnSync('ls', ['-A', f.store.root], { encoding: 'utf8' }).stdout).to.contain('.dfc');
    const blobs = spawnSync('find', [path.join(f.store.root, 'blobs'), '-type', 'd'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(blobs).to.deep.equal([path.join(f.store.root, 'blobs'), path.join(f.store.root, 'blobs', 'sha256')]);
    const unpacked = spawnSync('ls', [path.join(f.store.recordsDir, 'unpacked')], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(unpacked).to.include(f.layers[0]!.diffId.slice(7));
    const records = spawnSync('ls', [f.store.recordsDir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(records).to.include.members(['unpacked', 'mount-points']);
  });
});
