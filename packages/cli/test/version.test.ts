// dfc --version prints the version of the cli package.
import { expect } from 'chai';
import fs from 'node:fs';
import { runCli } from './run-cli.js';

describe('dfc --version', function () {
  it('prints the version package.json gives, and exits 0', async function () {
    const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const args of [['--version'], ['version']]) {
      const r = await runCli(args);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.equal(`dfc ${version}\n`);
    }
  });
});
