// ADD: COPY, plus two things. A local tar archive (plain, gzip, bzip2 or xz) is extracted into
// the destination, safely (nothing lands outside it). A http(s) URL is downloaded (mode 0600,
// checked against --checksum when given) and never extracted unless --unpack says so; the build
// downloads it before the step, to key the step by its content (download.ts).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { unpackLayer } from '@dfc/store';
import {
  copyMatch, copyTree, EntryList, resolveDestination, resolveSources, type CopyInput, type CopyRequest, type CopyResult,
  type TreeEntry,
} from './copy.js';
import { Downloads, type DownloadResult } from './download.js';
import { NotRootError } from './rootfs.js';
import { hostTree } from './trees.js';

export interface AddRequest extends CopyRequest {
  /** A directory of the engine's where downloads and extracted archives go. */
  scratch: string;
  /** `--checksum=sha256:…` for a URL source. */
  checksum?: string;
  /** `--unpack`: extract a downloaded archive too (default: only local archives). */
  unpack?: boolean;
  /** How a URL is fetched (the build passes what it downloaded to key the step); a fresh download into `scratch` otherwise. */
  download?: (url: string) => Promise<DownloadResult>;
  /** Stops a download (Ctrl-C); the promise then rejects. */
  signal?: AbortSignal;
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export async function planAdd(req: AddRequest): Promise<CopyResult> {
  const urls = req.sources.filter(isUrl);
  const locals = req.sources.filter((s) => !isUrl(s));
  const matches = resolveSources({ ...req, sources: locals, instruction: 'ADD' });
  if (!Array.isArray(matches)) return matches;
  const dest = resolveDestination({ ...req, instruction: 'ADD' }, matches.length + urls.length, matches.some((m) => m.entry.kind === 'dir'));
  if ('error' in dest) return { ok: false, error: dest.error };
  const out = new EntryList(req);
  const inputs: CopyInput[] = [];
  let n = 0;

  for (const match of matches) {
    const content = match.entry.kind === 'file' ? req.tree.content(match.at, match.entry) : undefined;
    const hostPath = content && typeof content === 'object' && 'hostPath' in content ? content.hostPath : undefined;
    const format = hostPath ? await archiveFormat(hostPath) : undefined;
    if (!format || !hostPath) {
      copyMatch(req.tree, match, dest, out, inputs);
      continue;
    }
    const error = await extractInto(req, hostPath, format, dest.abs, out, inputs, path.join(req.scratch, `archive-${n++}`));
    if (error) return { ok: false, error: `ADD ${match.rel}: ${error}` };
    inputs.push({ source: match.at, kind: 'file', mode: match.entry.mode, size: match.entry.size, ...(match.entry.digest ? { digest: match.entry.digest } : {}) });
  }

  const download = req.download ?? ((url: string) => new Downloads(path.join(req.scratch, 'downloads')).fetch(url, req.signal));
  for (const url of urls) {
    const got = await download(url);
    if ('error' in got) return { ok: false, error: `ADD ${url}: ${got.error}` };
    const file = got.file;
    if (req.checksum && req.checksum !== got.digest) {
      return { ok: false, error: `ADD ${url}: checksum mismatch: expected ${req.checksum}, got ${got.digest}` };
    }
    const format = req.unpack ? await archiveFormat(file) : undefined;
    if (format) {
      const error = await extractInto(req, file, format, dest.abs, out, inputs, path.join(req.scratch, `archive-${n++}`));
      if (error) return { ok: false, error: `ADD ${url}: ${error}` };
    } else {
      const entry: TreeEntry = { kind: 'file', mode: 0o600, size: got.size, digest: got.digest };
      const name = dest.isDir ? path.posix.join(dest.abs, urlBaseName(url)) : dest.abs;
      out.file(name, { lookup: () => entry, list: () => [], content: () => ({ hostPath: file, size: got.size }) }, '', entry);
    }
    inputs.push({ source: url, kind: 'file', mode: 0o600, size: got.size, digest: got.digest });
  }
  return { ok: true, entries: out.entries(), inputs };
}

type ArchiveFormat = 'tar' | 'gzip' | 'bzip2' | 'xz';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** Recognizes an archive by its first bytes, as Docker does. */
export async function archiveFormat(file: string): Promise<ArchiveFormat | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (b.length >= 3 && b.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
    if (b.length >= 6 && b.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
    if (b.length >= 263 && b.toString('latin1', 257, 262) === 'ustar') return 'tar';
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Runs a host tool from Debian (bzip2, xz-utils; never anything from the image) over `input`:
 * its output, and its end (an error message, or undefined when it succeeded).
 */
export function decompress(format: 'bzip2' | 'xz', input: Readable): { output: Readable; done: Promise<string | undefined> } {
  const name = format === 'bzip2' ? 'bzip2' : 'xz';
  const hint = `install it with: apt-get install -y ${format === 'xz' ? 'xz-utils' : 'bzip2'}`;
  const child = spawn(name, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => undefined);
  input.pipe(child.stdin);
  // Read from the start: when a child exits, Node resumes (and so drops) the output of a pipe
  // nobody listens to yet, and a small archive's tool can exit before its reader listens.
  const output = child.stdout.pipe(new PassThrough({ highWaterMark: 1 << 20 }));
  const done = new Promise<string | undefined>((resolve) => {
    child.on('error', (e) => resolve(`${name}: ${e.message} (${hint})`));
    child.on('close', (code) => resolve(code === 0 ? undefined : `${name} -d failed: ${stderr.trim() || `exit ${code}`}`));
  });
  return { output, done };
}

async function extractInto(
  req: AddRequest, file: string, format: ArchiveFormat, destAbs: string, out: EntryList, inputs: CopyInput[], scratch: string,
): Promise<string | undefined> {
  // The archive's owners go into the layer: only root can keep them while extracting.
  if (process.getuid?.() !== 0) return new NotRootError('extracting an archive').message;
  const { output: input, done: tool } = format === 'bzip2' || format === 'xz' ? decompress(format, createReadStream(file)) : { output: createReadStream(file), done: Promise.resolve(undefined) };
  try {
    await unpackLayer(input, scratch, { chown: true });
  } catch (err) {
    return (await tool) ?? `cannot extract the archive: ${(err as Error).message}`;
  }
  const toolError = await tool;
  if (toolError) return toolError;
  out.dir(destAbs, 0o755);
  copyTree(hostTree(scratch), '', destAbs, out, inputs);
  return undefined;
}

/** The file name a URL download gets in a directory destination. */
function urlBaseName(url: string): string {
  const name = path.posix.basename(new URL(url).pathname);
  return name || 'index.html';
}
