// `dfc lint` as a user runs it: a child process on files and directories in a temp dir, checking
// what it prints, the exit status, and what --fix writes.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dfc = path.resolve(here, '..', '..', '..', 'cli', 'bin', 'dfc.js');

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [dfc, 'lint', ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: cwd, XDG_CONFIG_HOME: path.join(cwd, '.config'), ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dfc lint (command line)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dfc-lint-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };

  it('exits 0 on a clean file and 1 on findings, printing the source line with a caret', () => {
    write('clean/Dockerfile', 'FROM alpine:3.20\nCMD ["sh"]\n');
    write('bad/Dockerfile', 'FROM alpine:3.20\nRUN apk add curl\n');
    const clean = run(['clean/Dockerfile'], dir);
    expect(clean.status).to.equal(0);
    expect(clean.stdout).to.equal('clean/Dockerfile: no problems\n');
    const bad = run(['bad/Dockerfile'], dir, { NO_COLOR: '1' });
    expect(bad.status).to.equal(1);
    expect(bad.stdout).to.contain('bad/Dockerfile:2:13 warning Pin versions in apk add: curl');
    expect(bad.stdout).to.contain('   2 | RUN apk add curl\n');
    expect(bad.stdout).to.not.contain('\u001b[');
  });

  it('searches directories for Dockerfiles', () => {
    write('svc/a/Dockerfile', 'FROM alpine:3.20\n');
    write('svc/b/api.Dockerfile', 'FROM alpine:3.20\n');
    write('svc/b/Containerfile.dev', 'FROM alpine:3.20\n');
    write('svc/b/notes.txt', 'FROM alpine\n');
    const r = run(['--format', 'json', 'svc'], dir);
    expect(r.status).to.equal(0);
    const out = run(['svc'], dir).stdout;
    expect(out).to.equal('3 files: no problems\n');
  });

  it('reads .hadolint.yaml from the current directory, and a bad config is exit 2 with where and why', () => {
    write('Dockerfile', 'FROM alpine:3.20\nRUN apk add curl\n');
    write('.hadolint.yaml', 'ignored: [DL3018, DL3019]\n');
    expect(run(['Dockerfile'], dir).status).to.equal(0);
    write('.hadolint.yaml', 'ignore: [DL3018]\n');
    const bad = run(['Dockerfile'], dir);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain('.hadolint.yaml:1:1: unknown key "ignore"');
    const missing = run(['--config', 'nope.yaml', 'Dockerfile'], dir);
    expect(missing.status).to.equal(2);
  });

  it('failure-threshold decides the exit status', () => {
    write('Dockerfile', 'FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r1\nRUN echo hi\n');
    expect(run(['Dockerfile'], dir).status).to.equal(1); // DL3059 is info
    write('t.yaml', 'failure-threshold: warning\n');
    expect(run(['--config', 't.yaml', 'Dockerfile'], dir).status).to.equal(0);
  });

  it('usage errors exit 2', () => {
    expect(run([], dir).status).to.equal(2);
    write('Dockerfile', 'FROM alpine:3.20\n');
    expect(run(['--format', 'xml', 'Dockerfile'], dir).status).to.equal(2);
    expect(run(['no-such-file'], dir).status).to.equal(2);
  });

  it('--context reports missing and ignored sources', () => {
    write('ctx/Dockerfile', 'FROM alpine:3.20\nCOPY app.py notes.md /app/\n');
    write('ctx/notes.md', 'x');
    write('ctx/.dockerignore', '*.md\n');
    const r = run(['--context', 'ctx', '--format', 'gnu', 'ctx/Dockerfile'], dir);
    expect(r.stdout).to.contain('COPY source "app.py" does not exist in the build context [CopySourceMissing]');
    expect(r.stdout).to.contain('Attempting to COPY file "notes.md" that is excluded by .dockerignore [CopyIgnoredFile]');
  });

  it('--fix rewrites only what the fixes cover', () => {
    write('Dockerfile', 'from alpine:3.20 as Build\n# a comment that stays\nMAINTAINER Jo <jo@example.com>\nENV MODE production\nCMD node   server.js\n');
    run(['--fix', 'Dockerfile'], dir);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).to.equal(
      'FROM alpine:3.20 AS build\n# a comment that stays\nLABEL org.opencontainers.image.authors="Jo <jo@example.com>"\nENV MODE=production\nCMD ["node", "server.js"]\n',
    );
  });

  it('--format sarif and checkstyle', () => {
    write('Dockerfile', 'FROM alpine:3.20\nRUN apk add curl\n');
    const sarif = JSON.parse(run(['--format', 'sarif', 'Dockerfile'], dir).stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(sarif.version).to.equal('2.1.0');
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).to.include('DL3018');
    expect(run(['--format', 'checkstyle', 'Dockerfile'], dir).stdout).to.match(/^<\?xml[^]*<error line="2" column="13" severity="warning"/);
  });
});
