// Ctrl-C during a RUN step: dfc build stops, leaves no container and no mount behind, and the
// store stays valid.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBusyboxImage, Store, verifyStore } from '@dfc/store';
import { RUNNING_STEP, untilStderr } from './child-output.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'dfc.js');

describe('dfc build interrupted (runc)', function () {
  this.timeout(120000);
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-build-int-'));
    const store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    await store.close();
    fs.mkdirSync(path.join(dir, 'ctx'));
    fs.writeFileSync(path.join(dir, 'ctx', 'Dockerfile'), `FROM busybox:latest\n${RUNNING_STEP.run}\n`);
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops on SIGINT with status 130, no runc container, no mount, a clean store', async function () {
    const root = path.join(dir, 'store');
    const child = spawn(process.execPath, [bin, 'build', '--progress', 'plain', 'ctx'], { cwd: dir, env: { ...process.env, DFC_ROOT: root } });
    const stderr = await untilStderr(child, RUNNING_STEP.marker);
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + os.constants.signals[signal] : null))));
    expect(status, stderr()).to.equal(130);
    expect(stderr()).to.contain('cancelled');
    // Only this build's containers (their bundles lie in its store): other dfc processes may be running.
    const containers = JSON.parse(execFileSync('runc', ['list', '--format', 'json'], { encoding: 'utf8' }).trim() || 'null') as { id: string; bundle: string }[] | null;
    expect((containers ?? []).filter((c) => c.bundle.startsWith(root + path.sep)).map((c) => c.id)).to.deep.equal([]);
    expect(fs.readFileSync('/proc/mounts', 'utf8')).to.not.contain(root);
    const store = await Store.open(root);
    const report = await verifyStore(store);
    await store.close();
    expect(report.problems).to.deep.equal([]);
  });
});
