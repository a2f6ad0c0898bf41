// `dfc run` as a user runs it: the image's command or the given one, its exit status, stdin for
// -i, the writable layer kept without --rm, and Ctrl-C stopping the container cleanly.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { dfcBin, fixture, mountsUnder, runcContainers, type Fixture } from './helpers.js';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function dfc(f: Fixture, args: string[], options: { input?: string; onStdout?: (text: string, pid: number) => void } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [dfcBin, ...args], { env: { ...process.env, DFC_ROOT: f.store.root }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      options.onStdout?.(stdout, child.pid!);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

describe('dfc run', function () {
  this.timeout(60_000);
  let f: Fixture;
  before(async () => {
    f = await fixture();
    if (!existsSync(path.join(path.dirname(dfcBin), '..', 'dist', 'src', 'main.js'))) throw new Error('the dfc command line is not built; run: npx tsc -b');
  });
  afterEach(() => {
    expect(runcContainers(f.store.root)).to.deep.equal([]);
    expect(mountsUnder(f.store.root)).to.deep.equal([]);
  });

  it("exits with the container's status and passes its output through", async () => {
    const r = await dfc(f, ['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect(r).to.deep.equal({ status: 5, stdout: 'out\n', stderr: 'err\n' });
  });

  it("runs the image's command, with -e, -w, -u and --entrypoint as docker run takes them", async () => {
    expect((await dfc(f, ['run', '--rm', 'busybox'])).status).to.equal(0);
    const r = await dfc(f, ['run', '--rm', '-e', 'A=1', '--env=B=2', '-w', '/made', '-u', 'nobody', 'busybox', 'sh', '-c', 'echo $A$B; pwd; id -u']);
    expect(r.stdout).to.equal('12\n/made\n65534\n');
    const e = await dfc(f, ['run', '--rm', '--entrypoint', '/bin/echo', 'busybox', 'a', '-l']);
    expect(e.stdout).to.equal('a -l\n');
  });

  it('passes stdin through with -i only', async () => {
    expect((await dfc(f, ['run', '--rm', '-i', 'busybox', 'cat'], { input: 'piped\n' })).stdout).to.equal('piped\n');
    expect((await dfc(f, ['run', '--rm', 'busybox', 'cat'], { input: 'piped\n' })).stdout).to.equal('');
  });

  it('keeps the writable layer without --rm, and removes it with --rm', async () => {
    const containers = path.join(f.store.recordsDir, 'containers');
    const before = existsSync(containers) ? readdirSync(containers) : [];
    await dfc(f, ['run', '--rm', 'busybox', 'touch', '/gone']);
    await dfc(f, ['run', 'busybox', 'sh', '-c', 'echo kept > /kept']);
    const added = readdirSync(containers).filter((d) => !before.includes(d));
    expect(added).to.have.length(1);
    const dir = path.join(containers, added[0]!);
    expect(readdirSync(dir).sort()).to.deep.equal(['container.json', 'upper']);
    expect(readFileSync(path.join(dir, 'upper', 'kept'), 'utf8')).to.equal('kept\n');
    expect(JSON.parse(readFileSync(path.join(dir, 'container.json'), 'utf8'))).to.include({ reference: 'busybox', exitCode: 0 });
  });

  it('stops the container on Ctrl-C, exits 130 and leaves nothing behind', async () => {
    let sent = false;
    const r = await dfc(f, ['run', '--rm', 'busybox', 'sh', '-c', 'echo started; sleep 600'], {
      onStdout: (text, pid) => {
        if (!sent && text.includes('started')) {
          sent = true;
          process.kill(pid, 'SIGINT');
        }
      },
    });
    expect(r.status).to.equal(130);
  });

  it('leaves nothing behind when dfc itself is killed with SIGKILL mid-run', async () => {
    let sent = false;
    const r = await dfc(f, ['run', '--rm', 'busybox', 'sh', '-c', 'echo started; sleep 600'], {
      onStdout: (text, pid) => {
        if (!sent && text.includes('started')) {
          sent = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    });
    expect(r.status).to.equal(null);
    // The cleanup guard works on after dfc is gone; poll until it is done.
    const containers = path.join(f.store.recordsDir, 'containers');
    const left = (): string[] => [
      ...runcContainers(f.store.root),
      ...mountsUnder(f.store.root),
      ...readdirSync(containers).filter((d) => !existsSync(path.join(containers, d, 'container.json'))),
    ];
    const deadline = Date.now() + 20_000;
    while (left().length > 0) {
      if (Date.now() > deadline) throw new Error(`still there 20s after dfc was killed: ${left().join(', ')}`);
      await new Promise((done) => setTimeout(done, 100));
    }
  });

  it('says what is missing: an image, a command, a runtime', async () => {
    const none = await dfc(f, ['run', 'nosuch']);
    expect(none).to.include({ status: 1, stderr: 'dfc run: no image "nosuch:latest" in the store (see dfc images)\n' });
    const runtime = await dfc(f, ['run', '--runtime', 'no-such-runtime', 'busybox', 'true']);
    expect(runtime.stderr).to.equal('dfc run: OCI runtime "no-such-runtime" not found in PATH; install it with: apt-get install -y runc\n');
    const usage = await dfc(f, ['run', '--bogus', 'busybox']);
    expect(usage.status).to.equal(2);
    expect(usage.stderr).to.contain('unknown option "--bogus"');
  });
});
