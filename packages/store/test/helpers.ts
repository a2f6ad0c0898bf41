// Shared test helpers: scratch directories, crafted tars, and required host tools.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

/** packages/store/dist/test → repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const storeDist = path.resolve(repoRoot, 'packages', 'store', 'dist', 'src', 'index.js');

const scratch: string[] = [];

/** A fresh temp directory, removed after the run. */
export function tempDir(prefix = 'dfc-store-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

export type CraftedEntry = Partial<tar.Header> & { name: string; body?: string | Buffer };

/** A tar made of exactly these headers, for feeding hostile input to the unpacker. */
export async function craftTar(entries: CraftedEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collecting = (async () => {
    for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const h = { mtime: new Date(0), mode: header.type === 'directory' ? 0o755 : 0o644, ...header };
      if (body !== undefined) pack.entry(h, Buffer.from(body), (err) => (err ? reject(err) : resolve()));
      else (pack.entry(h, (err) => (err ? reject(err) : resolve())) as unknown as { end(): void }).end();
    });
  }
  pack.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

export function streamOf(buffer: Buffer): Readable {
  return Readable.from([buffer]);
}

/** Lists a tar's headers in order. */
export async function tarHeaders(data: Buffer): Promise<(tar.Header & { body: Buffer })[]> {
  const extract = tar.extract();
  const out: (tar.Header & { body: Buffer })[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      out.push({ ...entry.header, body: Buffer.concat(chunks) });
    }
  })();
  extract.end(data);
  await reading;
  return out;
}

/** Fails (never skips) when a host tool the test needs is missing, naming the install command. */
export function requireTool(command: string, debianPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`${command} is not installed; install it with: apt-get install -y ${debianPackage} (or run scripts/setup)`);
  }
}

/** Runs a command, failing the test with its stderr when it exits non-zero. */
export function run(command: string, args: string[], options: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, input: options.input, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}
