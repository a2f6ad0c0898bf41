// Reading an overlay upper dir as a layer: whiteout devices and opaque xattrs, odd names included.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { upperDirEntries } from '../src/index.js';
import { requireRunTools, tempDir } from './helpers.js';

describe('upper dir as layer entries', () => {
  before(requireRunTools);

  it('turns 0/0 devices into whiteouts and opaque directories into opaque markers, whatever their names', async () => {
    const upper = tempDir();
    const odd = 'we ird\nnamé\\x';
    mkdirSync(path.join(upper, odd));
    writeFileSync(path.join(upper, odd, 'f'), 'f');
    mkdirSync(path.join(upper, 'plain'));
    symlinkSync('/nowhere', path.join(upper, 'plain', 'dangling'));
    for (const args of [['-m', '000', path.join(upper, 'gone'), 'c', '0', '0'], ['-m', '000', path.join(upper, 'plain', 'gone too'), 'c', '0', '0']]) {
      expect(spawnSync('mknod', args).status).to.equal(0);
    }
    expect(spawnSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, odd)]).status).to.equal(0);
    const entries = await upperDirEntries(upper);
    const shape = entries.map((e) => `${e.kind} ${e.path}`).sort();
    expect(shape).to.deep.equal([
      'dir plain',
      `dir ${odd}`,
      `file ${odd}/f`,
      `opaque ${odd}`,
      'symlink plain/dangling',
      'whiteout gone',
      'whiteout plain/gone too',
    ].sort());
  });
});
