// Whatever ends a run (success, failure, Ctrl-C, a killed parent), the container is deleted, the
// overlay unmounted and the bundle removed, and the store stays sound.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { verifyStore } from '@dfc/store';
import { RunAbortedError } from '../src/index.js';
import { fixture, mountsUnder, runcContainers, runnerDist, sh, type Fixture } from './helpers.js';

/** Polls `check` until it holds; cleanup by another process takes a moment, not a fixed time. */
async function eventually(what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${limitMs / 1000}s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('runner: cleanup', function () {
  this.timeout(60_000);
  let f: Fixture;
  before(async () => {
    f = await fixture();
  });

  const leftovers = (id: string): string[] => [
    ...runcContainers().filter((c) => c === id).map((c) => `container ${c}`),
    ...mountsUnder(f.scratchDir).map((m) => `mount ${m}`),
    ...(existsSync(path.join(f.scratchDir, id)) ? [`directory ${path.join(f.scratchDir, id)}`] : []),
  ];

  it('leaves nothing after a step that succeeds or fails', async () => {
    const ok = await sh(f, 'echo x > /x');
    const failed = await sh(f, 'echo x > /x; exit 1');
    expect([ok.exitCode, failed.exitCode]).to.deep.equal([0, 1]);
    expect([...leftovers(ok.id), ...leftovers(failed.id)]).to.deep.equal([]);
    expect(readdirSync(f.scratchDir)).to.deep.equal([]);
  });

  it('kills the process and cleans up when the run is cancelled (Ctrl-C)', async () => {
    const abort = new AbortController();
    const id = `dfc-abort-${randomBytes(4).toString('hex')}`;
    let err: unknown;
    await f.runner
      .run({
        layers: f.layers,
        scratchDir: f.scratchDir,
        id,
        args: ['sh', '-c', 'echo started; sleep 600'],
        onStdout: (c) => {
          if (c.toString().includes('started')) abort.abort();
        },
        signal: abort.signal,
      })
      .catch((e) => (err = e));
    expect(err).to.be.instanceOf(RunAbortedError);
    expect(leftovers(id)).to.deep.equal([]);
  });

  it('cleans up after a parent killed with SIGKILL in the middle of a RUN, and the store verifies', async () => {
    const id = `dfc-killed-${randomBytes(4).toString('hex')}`;
    const script = `
      const { Store } = await import(${JSON.stringify(path.join(path.dirname(runnerDist), '..', '..', '..', 'store', 'dist', 'src', 'index.js'))});
      const { Runner } = await import(${JSON.stringify(runnerDist)});
      const store = await Store.open(${JSON.stringify(f.store.root)});
      const runner = new Runner({ store });
      await runner.run({ layers: ${JSON.stringify(f.layers)}, scratchDir: ${JSON.stringify(f.scratchDir)}, id: ${JSON.stringify(id)},
        args: ['sh', '-c', 'echo x > /big; echo started; sleep 600'], onStdout: (c) => process.stdout.write(c) });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => c.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`the child exited (${code}) before its RUN started`)));
    });
    expect(runcContainers()).to.include(id);
    expect(mountsUnder(f.scratchDir)).to.have.length(1);
    child.kill('SIGKILL');
    await eventually(`${id} cleaned up: ${leftovers(id).join(', ')}`, () => leftovers(id).length === 0);
    const report = await verifyStore(f.store);
    expect(report.problems).to.deep.equal([]);
  });
});
