// A RUN step is a guest: it cannot read or write the host's files, and hostile paths in the image
// (symlinks to /, WORKDIR /proc/self/fd/N as in runc CVE-2024-21626, devices) fail cleanly.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { busyboxEntries } from '@dfc/store';
import { RootPathError, UserLookupError } from '../src/index.js';
import { fixture, imageWith, mountsUnder, runcContainers, sh, tempDir, type Fixture } from './helpers.js';

describe('runner: security', function () {
  this.timeout(60_000);
  let f: Fixture;
  before(async () => {
    f = await fixture();
  });
  afterEach(() => {
    expect(runcContainers(f.scratchDir)).to.deep.equal([]);
    expect(mountsUnder(f.scratchDir)).to.deep.equal([]);
  });

  it("cannot read the host's files", async () => {
    const dir = tempDir();
    const secret = path.join(dir, 'secret');
    writeFileSync(secret, 'host secret\n');
    const r = await sh(f, `cat ${secret} /proc/1/root${secret} /proc/self/root${secret} 2>/dev/null; ls / | tr '\\n' ' '`);
    expect(r.stdout).to.not.contain('host secret');
    // Only the image's own top-level names (the runtime's mount points are among them).
    const own = new Set((await busyboxEntries()).map((e) => e.path.split('/')[0]!));
    expect(r.stdout.trim().split(' ')).to.deep.equal([...own].sort());
  });

  it("cannot write the host's files", async () => {
    const dir = tempDir();
    const name = `dfc-pwned-${randomBytes(4).toString('hex')}`;
    const r = await sh(f, `echo pwned > /tmp/${name}; mkdir -p ${dir}/x && echo pwned > ${dir}/x/${name}; echo pwned > /proc/1/root/tmp/${name}.2`);
    expect(r.exitCode).to.equal(0);
    expect(existsSync(`/tmp/${name}`)).to.equal(false);
    expect(existsSync(`/tmp/${name}.2`)).to.equal(false);
    expect(existsSync(path.join(dir, 'x'))).to.equal(false);
  });

  it('refuses WORKDIR /proc/self/fd/N and the like before anything runs', async () => {
    for (const cwd of ['/proc/self/fd/7', '/proc/self/cwd', '/../../proc/1/root', '/sys/fs/cgroup', '/dev/shm']) {
      let err: unknown;
      await sh(f, 'pwd', { cwd }).catch((e) => (err = e));
      expect(err, cwd).to.be.instanceOf(RootPathError);
      expect((err as Error).message).to.match(/^working directory ".*" lies in \/(proc|sys|dev), which the runtime mounts/);
    }
  });

  it('refuses a WORKDIR that reaches /proc/self/fd/N through a symlink of the image', async () => {
    const layers = await imageWith(f, 'fdlink', [{ kind: 'symlink', path: 'w', target: '/proc/self/fd/7' }, { kind: 'symlink', path: 'up', target: '../../../proc/self/fd/8' }]);
    for (const cwd of ['/w', '/up/sub']) {
      let err: unknown;
      await sh(f, 'pwd', { layers, cwd }).catch((e) => (err = e));
      expect(err, cwd).to.be.instanceOf(RootPathError);
    }
  });

  it('keeps a symlink of the image pointing at / inside the root: unpacking, mount points and RUN', async () => {
    const name = `dfc-pwned-${randomBytes(4).toString('hex')}`;
    const layers = await imageWith(f, 'escape', [
      { kind: 'symlink', path: 'escape', target: '/' },
      { kind: 'file', path: `escape/tmp/${name}`, content: 'unpacked\n' },
    ]);
    const r = await sh(f, `cat /tmp/${name}; echo written > /escape/tmp/${name}.run; cat /tmp/${name}.run`, { layers });
    expect(r.stdout).to.equal('unpacked\nwritten\n');
    expect(existsSync(`/tmp/${name}`)).to.equal(false);
    expect(existsSync(`/tmp/${name}.run`)).to.equal(false);
  });

  it('makes mount points inside the root when /etc is a symlink to /', async () => {
    const layers = await imageWith(f, 'etc-slash', [{ kind: 'whiteout', path: 'etc' }, { kind: 'symlink', path: 'etc', target: '/' }]);
    const before = existsSync('/hosts') || existsSync('/hostname') || existsSync('/resolv.conf');
    const r = await sh(f, 'cat /hosts /etc/hostname', { layers, hostname: 'inside' });
    expect(r.stdout).to.contain('localhost inside\n').and.contain('inside\n');
    expect(before).to.equal(false);
    expect(existsSync('/hosts') || existsSync('/hostname') || existsSync('/resolv.conf')).to.equal(false);
  });

  it("never reads the host's passwd through a symlink, nor a device the image puts there", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'passwd'), 'evil:x:4242:4242::/:/bin/sh\n');
    const linked = await imageWith(f, 'passwd-link', [{ kind: 'symlink', path: 'etc/passwd', target: path.join(dir, 'passwd') }]);
    let err: unknown;
    await sh(f, 'id -u', { layers: linked, user: 'evil' }).catch((e) => (err = e));
    expect(err).to.be.instanceOf(UserLookupError);
    const device = await imageWith(f, 'passwd-device', [{ kind: 'char', path: 'etc/passwd', major: 1, minor: 1, mode: 0o644 }]);
    err = undefined;
    await sh(f, 'id -u', { layers: device }).catch((e) => (err = e));
    expect(err).to.be.instanceOf(RootPathError);
    expect((err as Error).message).to.equal('/etc/passwd in the image is not a regular file');
  });
});
