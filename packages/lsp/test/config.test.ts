// Which lint config file a Dockerfile gets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { LintConfigs, userConfigPaths } from '../src/index.js';

describe('lint config lookup', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-lsp-config-'));
    fs.mkdirSync(path.join(root, 'project', 'services', 'api'), { recursive: true });
    fs.mkdirSync(path.join(root, 'home', '.config'), { recursive: true });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('takes the nearest .hadolint.yaml or .hadolint.yml from the Dockerfile up', () => {
    const configs = new LintConfigs([]);
    const dockerfile = path.join(root, 'project', 'services', 'api', 'Dockerfile');
    expect(configs.forFile(dockerfile).path).to.equal(undefined);
    expect(configs.forFile(dockerfile)).to.equal(configs.forFile(dockerfile));
    fs.writeFileSync(path.join(root, 'project', '.hadolint.yaml'), 'ignored: [DL3008]\n');
    expect(configs.forFile(dockerfile).path).to.equal(path.join(root, 'project', '.hadolint.yaml'));
    fs.writeFileSync(path.join(root, 'project', 'services', '.hadolint.yml'), 'ignored: [DL3009]\n');
    expect(configs.forFile(dockerfile).path).to.equal(path.join(root, 'project', 'services', '.hadolint.yml'));
  });

  it("falls back to hadolint's user-level files, for unsaved documents too", () => {
    const home = path.join(root, 'home');
    const paths = userConfigPaths({}, home);
    expect(paths[0]).to.equal(path.join(home, '.config', 'hadolint.yaml'));
    expect(userConfigPaths({ XDG_CONFIG_HOME: '/xdg' }, home)[0]).to.equal('/xdg/hadolint.yaml');
    fs.writeFileSync(path.join(home, '.hadolint.yaml'), 'ignored: []\n');
    const configs = new LintConfigs(paths);
    expect(configs.forFile(undefined).path).to.equal(path.join(home, '.hadolint.yaml'));
    expect(configs.forFile('/nowhere/Dockerfile').path).to.equal(path.join(home, '.hadolint.yaml'));
  });

  it('reads a changed file again, and keeps the same lookup while it is unchanged', () => {
    const file = path.join(root, 'project', '.hadolint.yaml');
    const configs = new LintConfigs([]);
    const dockerfile = path.join(root, 'project', 'Dockerfile');
    const first = configs.forFile(dockerfile);
    expect(configs.forFile(dockerfile)).to.equal(first);
    fs.writeFileSync(file, 'ignored: [DL3008, DL3009, DL3015]\n');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(configs.forFile(dockerfile)).to.not.equal(first);
  });
});
