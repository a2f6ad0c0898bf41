// A build killed with SIGKILL while the engine has a stage's layers mounted (the read-only overlay
// COPY and ADD look into) leaves no mount behind: the runner's cleanup guard undoes it, and the
// next build removes the dead build's scratch folder. Checked in /proc/self/mountinfo. Needs root.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { makeBusyboxImage, Store } from '@dfc/store';
import { Runner } from '@dfc/runner';
import { build } from '../src/index.js';

function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && p.startsWith(`${dir}/`));
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('a build killed while a stage is mounted', function () {
  this.timeout(120000);
  let dir: string;
  let server: http.Server;
  const hanging: http.ServerResponse[] = [];

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-kill-'));
    const store = await Store.open(path.join(dir, 'store'));
    await makeBusyboxImage(store, 'busybox:latest');
    await store.close();
    // A download that never ends: ADD --checksum fetches it with the parent's layers mounted.
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write('x');
      hanging.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  after(function () {
    for (const res of hanging) res.destroy();
    server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no mount, and the next build removes its scratch folder', async function () {
    const storeDir = path.join(dir, 'store');
    const context = path.join(dir, 'context');
    fs.mkdirSync(context);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/never-ends`;
    const text = `FROM busybox:latest\nADD --checksum=sha256:${'0'.repeat(64)} ${url} /x\n`;
    fs.writeFileSync(path.join(context, 'Dockerfile'), text);
    const script = path.join(dir, 'build.mjs');
    fs.writeFileSync(
      script,
      [
        `import { build } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};`,
        `import { Runner } from ${JSON.stringify(import.meta.resolve('@dfc/runner'))};`,
        `import { Store } from ${JSON.stringify(import.meta.resolve('@dfc/store'))};`,
        `const store = await Store.open(${JSON.stringify(storeDir)});`,
        `await build({ store, runner: new Runner({ store }), context: ${JSON.stringify(context)}, dockerfile: ${JSON.stringify(path.join(context, 'Dockerfile'))}, text: ${JSON.stringify(text)} });`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [script], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    expect(await until(() => mountsUnder(storeDir).length > 0, 30000), 'the build mounted the stage').to.equal(true);
    child.kill('SIGKILL');
    await exited;
    expect(await until(() => mountsUnder(storeDir).length === 0, 10000), `mounts left: ${mountsUnder(storeDir).join(', ')}`).to.equal(true);

    const tmp = path.join(storeDir, '.dfc', 'tmp');
    const left = (): string[] => fs.readdirSync(tmp).filter((n) => n.startsWith(`build-${child.pid}-`));
    expect(left().length).to.equal(1);
    const store = await Store.open(storeDir);
    try {
      await build({ store, runner: new Runner({ store }), context, dockerfile: path.join(context, 'Dockerfile'), text: 'FROM busybox:latest\n' });
    } finally {
      await store.close();
    }
    expect(left()).to.deep.equal([]);
  });
});
