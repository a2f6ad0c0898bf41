// COPY semantics: which layer entries a COPY produces, from a real context on disk.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayerEntry } from '@dfc/store';
import { contextTree, hostTree, planCopy, readBuildContext, type CopyRequest } from '../src/index.js';

describe('COPY semantics', function () {
  let root: string;
  let ctxDir: string;
  let imageDir: string;
  let base: Omit<CopyRequest, 'sources' | 'destination'>;

  before(async function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-copy-'));
    ctxDir = path.join(root, 'context');
    imageDir = path.join(root, 'image');
    const files: Record<string, string> = {
      'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'src/main.go': 'package main', 'src/lib/util.go': 'package lib', 'script.sh': '#!/bin/sh',
    };
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(ctxDir, rel)), { recursive: true });
      fs.writeFileSync(path.join(ctxDir, rel), content);
    }
    fs.chmodSync(path.join(ctxDir, 'script.sh'), 0o755);
    fs.chmodSync(path.join(ctxDir, 'a.txt'), 0o644);
    fs.symlinkSync('main.go', path.join(ctxDir, 'src', 'link.go'));
    fs.symlinkSync('a.txt', path.join(ctxDir, 'alias'));
    for (const dir of ['usr/bin', 'srv/app', 'tmp']) fs.mkdirSync(path.join(imageDir, dir), { recursive: true });
    fs.symlinkSync('usr/bin', path.join(imageDir, 'bin'));
    fs.writeFileSync(path.join(imageDir, 'srv', 'file'), 'in the image');
    fs.symlinkSync('/', path.join(imageDir, 'escape'));
    const ctx = await readBuildContext(ctxDir);
    base = { workdir: '/', tree: contextTree(ctx), image: hostTree(imageDir) };
  });

  after(function () {
    fs.rmSync(root, { recursive: true, force: true });
  });

  function copy(sources: string[], destination: string, extra: Partial<CopyRequest> = {}): LayerEntry[] {
    const result = planCopy({ ...base, sources, destination, ...extra });
    if (!result.ok) throw new Error(result.error);
    return result.entries;
  }

  function error(sources: string[], destination: string, extra: Partial<CopyRequest> = {}): string {
    const result = planCopy({ ...base, sources, destination, ...extra });
    if (result.ok) throw new Error('expected an error');
    return result.error;
  }

  const summary = (entries: LayerEntry[]): string[] =>
    entries.map((e) => `${e.kind} ${e.path}${'mode' in e && e.mode !== undefined ? ' ' + e.mode.toString(8) : ''}${e.uid !== undefined ? ` ${e.uid}:${e.gid}` : ''}${e.kind === 'symlink' ? ' -> ' + e.target : ''}`);

  it('copies a file into a directory destination, creating missing folders', function () {
    expect(summary(copy(['a.txt'], '/opt/app/'))).to.deep.equal(['dir /opt 755 0:0', 'dir /opt/app 755 0:0', 'file /opt/app/a.txt 644 0:0']);
  });

  it('writes a single file to a destination without a slash as that file', function () {
    expect(summary(copy(['a.txt'], '/opt/renamed'))).to.deep.equal(['dir /opt 755 0:0', 'file /opt/renamed 644 0:0']);
  });

  it('copies into a folder the image already has, leaving that folder out of the layer', function () {
    expect(summary(copy(['a.txt'], '/srv/app'))).to.deep.equal(['file /srv/app/a.txt 644 0:0']);
  });

  it('copies the contents of a directory, keeping inner symlinks as links', function () {
    expect(summary(copy(['src'], '/go/src'))).to.deep.equal([
      'dir /go 755 0:0', 'dir /go/src 755 0:0', 'dir /go/src/lib 755 0:0', 'file /go/src/lib/util.go 644 0:0',
      'symlink /go/src/link.go 0:0 -> main.go', 'file /go/src/main.go 644 0:0',
    ]);
  });

  it('follows a symlink named as a source', function () {
    const entries = copy(['alias'], '/x');
    expect(summary(entries)).to.deep.equal(['file /x 644 0:0']);
    expect((entries[0] as { content: { hostPath: string } }).content.hostPath).to.equal(path.join(ctxDir, 'a.txt'));
  });

  it('expands wildcards, and needs a directory destination for several sources', function () {
    expect(summary(copy(['*.txt'], '/d/'))).to.deep.equal(['dir /d 755 0:0', 'file /d/a.txt 644 0:0', 'file /d/b.txt 644 0:0']);
    expect(error(['*.txt'], '/d')).to.match(/destination must be a directory and end with a \//);
    expect(error(['a.txt', 'b.txt'], '/d')).to.match(/destination must be a directory/);
    expect(copy(['*.none'], '/d/'), 'a wildcard matching nothing copies nothing').to.deep.equal([]);
    expect(summary(copy(['a.txt', 'go.su[m]'], '/d/'))).to.deep.equal(['dir /d 755 0:0', 'file /d/a.txt 644 0:0']);
    expect(summary(copy(['[ab].txt', 'c.?d'], '/d/')).slice(1)).to.deep.equal(['file /d/a.txt 644 0:0', 'file /d/b.txt 644 0:0', 'file /d/c.md 644 0:0']);
  });

  it('refuses to copy a folder, or into a folder, where the image has a file; a file replaces it', function () {
    expect(error(['src'], '/srv/file')).to.match(/cannot copy into \/srv\/file: the image has a file there/);
    expect(error(['a.txt'], '/srv/file/')).to.match(/the image has a file there/);
    expect(summary(copy(['a.txt'], '/srv/file'))).to.deep.equal(['file /srv/file 644 0:0']);
  });

  it('keeps the names of one file in a copied folder hard links of each other', function () {
    fs.mkdirSync(path.join(imageDir, 'hl'));
    fs.writeFileSync(path.join(imageDir, 'hl', 'a'), 'one file');
    fs.linkSync(path.join(imageDir, 'hl', 'a'), path.join(imageDir, 'hl', 'b'));
    const entries = copy(['hl'], '/copied', { tree: hostTree(imageDir) });
    expect(summary(entries).slice(1)).to.deep.equal(['file /copied/a 644 0:0', 'hardlink /copied/b']);
    expect(entries.find((e) => e.kind === 'hardlink')).to.include({ target: 'copied/a' });
  });

  it('leaves out what --exclude names (as sources are written), with everything below it', function () {
    const files = (entries: LayerEntry[]): string[] => entries.filter((e) => e.kind !== 'dir').map((e) => e.path);
    expect(files(copy(['.'], '/all/', { exclude: ['*.md', 'src/lib'] }))).to.deep.equal([
      '/all/a.txt', '/all/alias', '/all/b.txt', '/all/script.sh', '/all/src/link.go', '/all/src/main.go',
    ]);
    expect(files(copy(['*.txt', 'c.md'], '/d/', { exclude: ['b.*'] }))).to.deep.equal(['/d/a.txt', '/d/c.md']);
  });

  it('keeps each source\'s path below the destination with --parents, after a /./ pivot', function () {
    const files = (entries: LayerEntry[]): string[] => entries.filter((e) => e.kind !== 'dir').map((e) => e.path);
    expect(files(copy(['src/main.go', 'a.txt'], '/p/', { parents: true }))).to.deep.equal(['/p/src/main.go', '/p/a.txt']);
    expect(files(copy(['src/./lib/util.go'], '/q', { parents: true }))).to.deep.equal(['/q/lib/util.go']);
    expect(files(copy(['src/lib'], '/r', { parents: true }))).to.deep.equal(['/r/src/lib/util.go']);
    expect(files(copy(['s*/*.go'], '/s/', { parents: true }))).to.deep.equal(['/s/src/link.go', '/s/src/main.go']);
  });

  it('refuses sources outside the context and names missing ones', function () {
    expect(error(['../etc/passwd'], '/x')).to.match(/outside the build context/);
    expect(error(['missing.txt'], '/x')).to.match(/missing.txt: no such file or directory/);
  });

  it('resolves a relative destination against WORKDIR', function () {
    expect(summary(copy(['a.txt'], 'conf/', { workdir: '/srv/app' }))).to.deep.equal(['dir /srv/app/conf 755 0:0', 'file /srv/app/conf/a.txt 644 0:0']);
  });

  it('applies --chown to files and created folders, --chmod to what it copies', function () {
    expect(summary(copy(['script.sh', 'a.txt'], '/srv/new/', { owner: { uid: 1000, gid: 1001 }, chmod: 0o600 }))).to.deep.equal([
      'dir /srv/new 755 1000:1001', 'file /srv/new/script.sh 600 1000:1001', 'file /srv/new/a.txt 600 1000:1001',
    ]);
  });

  it('resolves the destination through the image\'s symlinks, never out of its root', function () {
    expect(summary(copy(['a.txt'], '/bin/'))).to.deep.equal(['file /usr/bin/a.txt 644 0:0']);
    expect(summary(copy(['a.txt'], '/escape/tmp/'))).to.deep.equal(['file /tmp/a.txt 644 0:0']);
  });
});
