// Paths of the image resolve inside its root: symlinks to / or up through .. never leave it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RootPathError, resolveInRoot } from '../src/index.js';
import { readFileInRoot, touchInRoot } from '../src/root-path.js';
import { tempDir } from './helpers.js';

describe('paths inside a root', () => {
  const root = tempDir();
  const outside = tempDir();
  before(() => {
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n');
    symlinkSync('/', path.join(root, 'slash'));
    symlinkSync('../../../../..', path.join(root, 'up'));
    symlinkSync(outside, path.join(root, 'abs'));
    symlinkSync('loop2', path.join(root, 'loop1'));
    symlinkSync('loop1', path.join(root, 'loop2'));
    writeFileSync(path.join(outside, 'secret'), 'host secret\n');
    spawnSync('mkfifo', [path.join(root, 'etc', 'fifo')]);
  });

  it('follows a symlink to / back to the root', async () => {
    const r = await resolveInRoot(root, '/slash/etc/passwd');
    expect(r).to.deep.include({ parts: ['etc', 'passwd'], exists: true, host: path.join(root, 'etc', 'passwd') });
    expect((await resolveInRoot(root, '/up/etc')).parts).to.deep.equal(['etc']);
    expect((await resolveInRoot(root, '/../../etc/../etc/passwd')).parts).to.deep.equal(['etc', 'passwd']);
  });

  it('reads an absolute symlink to a host path as a path of the image', async () => {
    const r = await resolveInRoot(root, '/abs/secret');
    expect(r.host.startsWith(`${root}/`)).to.equal(true);
    expect(r.exists).to.equal(false);
    expect(await readFileInRoot(root, '/abs/secret')).to.equal(undefined);
  });

  it('makes a mount point inside the root, never on the host', async () => {
    const made = await touchInRoot(root, '/abs/hosts');
    expect(made.host).to.equal(path.join(root, outside.slice(1), 'hosts'));
    expect(existsSync(path.join(outside, 'hosts'))).to.equal(false);
  });

  it('stops at symlink loops and refuses a FIFO where a file is read', async () => {
    let err: unknown;
    await resolveInRoot(root, '/loop1/x').catch((e) => (err = e));
    expect(err).to.be.instanceOf(RootPathError);
    err = undefined;
    await readFileInRoot(root, '/etc/fifo').catch((e) => (err = e));
    expect(err).to.be.instanceOf(RootPathError);
    expect((err as Error).message).to.contain('not a regular file');
  });
});
