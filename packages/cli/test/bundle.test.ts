// bin/dfc.js runs the bundle (scripts/bundle) with V8's code cache: it must behave exactly as the
// compiled packages do (DFC_UNBUNDLED=1), including the cleanup guard, a file of its own next to
// it. Needs root and runc for the builds.
import { expect } from 'chai';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBusyboxImage, Store } from '@dfc/store';
import { RUNNING_STEP, untilStderr } from './child-output.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const repo = path.resolve(cli, '..', '..');
const bin = path.join(cli, 'bin', 'dfc.js');
const bundleDir = path.join(cli, 'dist', 'bundle');

function run(args: string[], unbundled: boolean, cwd = repo) {
  const env = { ...process.env, NO_COLOR: '1', DFC_UNBUNDLED: unbundled ? '1' : '0' };
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled CLI', function () {
  this.timeout(300000);
  let dir: string;

  before(async function () {
    // scripts/setup makes it; a later `tsc -b` alone leaves it stale, so make it again here.
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'bundle'), '--if-stale'], { stdio: 'inherit' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-bundle-'));
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses, plans and lints as the separate modules do, and keeps a code cache per command', function () {
    fs.rmSync(path.join(bundleDir, 'main.plan.v8cache'), { force: true });
    const dockerfile = path.join('fixtures', 'build', 'files', 'Dockerfile');
    for (const args of [['parse', '--json', dockerfile], ['plan', dockerfile], ['lint', '--format', 'json', dockerfile], ['lint', 'no-such-file'], ['no-such-command'], ['--version']]) {
      expect(run(args, false), args.join(' ')).to.deep.equal(run(args, true));
    }
    expect(fs.existsSync(path.join(bundleDir, 'main.plan.v8cache')), 'the code cache of dfc plan').to.equal(true);
    // With its cache now, the same answer.
    expect(run(['plan', dockerfile], false)).to.deep.equal(run(['plan', dockerfile], true));
  });

  it('builds the same image', async function () {
    const ids: string[] = [];
    for (const unbundled of [false, true]) {
      const root = path.join(dir, `store-${unbundled}`);
      const store = await Store.open(root);
      await makeBusyboxImage(store, 'busybox:latest');
      await store.close();
      const r = run(['build', '--root', root, '--progress', 'quiet', '-t', 'bundle-test:1', path.join('fixtures', 'build', 'files')], unbundled);
      expect(r.status, r.stderr).to.equal(0);
      ids.push(r.stdout.trim());
    }
    expect(ids[0]).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(ids[0]).to.equal(ids[1]);
  });

  it('leaves no mount behind when killed during a RUN step (its cleanup guard runs)', async function () {
    const root = path.join(dir, 'store-killed');
    const store = await Store.open(root);
    await makeBusyboxImage(store, 'busybox:latest');
    await store.close();
    const context = path.join(dir, 'killed');
    fs.mkdirSync(context);
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM busybox:latest\n${RUNNING_STEP.run}\n`);
    const child = spawn(process.execPath, [bin, 'build', '--root', root, '--progress', 'plain', context], { env: { ...process.env, DFC_UNBUNDLED: '0' } });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await untilStderr(child, RUNNING_STEP.marker);
    const mounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.split(' ')[4]?.startsWith(`${root}/`));
    expect(mounts(), 'the RUN step is mounted').to.not.deep.equal([]);
    child.kill('SIGKILL');
    await exited;
    const end = Date.now() + 15000;
    while (mounts().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(mounts()).to.deep.equal([]);
  });
});
