// ADD of a URL: the download, kept beside the store (`.dfc/downloads/`): the bytes under their
// digest, and per URL its digest, ETag and Last-Modified, so the next build asks the server
// "changed since?" and reuses the bytes on 304. The content digest is what the step's cache key holds, as in BuildKit: a changed
// download misses, an unchanged one hits. A download is written to a temp file and renamed when
// complete; an aborted or failed one leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { pidAlive } from '@dfc/store';

export interface Downloaded {
  /** The bytes, in a file the caller must not change. */
  file: string;
  digest: string;
  size: number;
}

export type DownloadResult = Downloaded | { error: string };

interface Meta {
  url: string;
  digest: string;
  size: number;
  etag?: string;
  lastModified?: string;
}

export class Downloads {
  private swept = false;

  constructor(
    readonly dir: string,
    private readonly fetchImpl: typeof globalThis.fetch = globalThis.fetch,
  ) {}

  /** Downloads `url`, or confirms with the server that the kept copy is current. */
  async fetch(url: string, signal?: AbortSignal): Promise<DownloadResult> {
    await fs.mkdir(this.dir, { recursive: true });
    if (!this.swept) {
      this.swept = true;
      await sweep(this.dir);
    }
    const metaFile = path.join(this.dir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.json`);
    const kept = await readMeta(metaFile, this.dir, url);
    const headers: Record<string, string> = {};
    if (kept?.etag) headers['if-none-match'] = kept.etag;
    if (kept?.lastModified) headers['if-modified-since'] = kept.lastModified;

    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw err;
      return { error: `download failed: ${(err as Error).message}` };
    }
    if (response.status === 304 && kept) {
      await response.body?.cancel().catch(() => undefined);
      return { file: blobPath(this.dir, kept.digest), digest: kept.digest, size: kept.size };
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      return { error: `download failed: HTTP ${response.status} ${response.statusText}` };
    }

    const tmp = path.join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    try {
      const handle = await fs.open(tmp, 'w', 0o600);
      try {
        for await (const chunk of Readable.fromWeb(response.body as ReadableStream<Uint8Array>, signal ? { signal } : {})) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
          await handle.write(chunk as Buffer);
        }
      } finally {
        await handle.close();
      }
      const meta: Meta = { url, digest: `sha256:${hash.digest('hex')}`, size };
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      if (etag) meta.etag = etag;
      if (lastModified) meta.lastModified = lastModified;
      // Bytes under their digest never change under a reader; the URL's record then points at them.
      const file = blobPath(this.dir, meta.digest);
      await fs.rename(tmp, file);
      await writeAtomic(metaFile, JSON.stringify(meta));
      return { file, digest: meta.digest, size };
    } catch (err) {
      await fs.rm(tmp, { force: true });
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      return { error: `download failed: ${(err as Error).message}` };
    }
  }
}

function blobPath(dir: string, digest: string): string {
  return path.join(dir, `blob-${digest.replace(/^sha256:/, '')}`);
}

/** The kept download of `url`, when its bytes are still there and whole. */
async function readMeta(metaFile: string, dir: string, url: string): Promise<Meta | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(metaFile, 'utf8')) as Meta;
    if (meta.url !== url || (await fs.stat(blobPath(dir, meta.digest))).size !== meta.size) return undefined;
    return meta;
  } catch {
    return undefined;
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${path.join(path.dirname(file), `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`)}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

/**
 * Temp files of processes that are gone (a build killed mid-download), and bytes no URL's record
 * names any more that are a day old (an older version of a download; a build of today may still
 * be reading one).
 */
async function sweep(dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const named = new Set<string>();
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const digest = await fs.readFile(path.join(dir, name), 'utf8').then((t) => (JSON.parse(t) as Meta).digest, () => undefined);
    if (digest) named.add(path.basename(blobPath(dir, digest)));
  }
  for (const name of names) {
    const pid = /^\.tmp-(\d+)-/.exec(name)?.[1];
    const deadTemp = pid !== undefined && !pidAlive(Number(pid));
    const oldBlob = name.startsWith('blob-') && !named.has(name) && Date.now() - (await fs.stat(path.join(dir, name)).then((s) => s.mtimeMs, () => Date.now())) > 86_400_000;
    if (deadTemp || oldBlob) await fs.rm(path.join(dir, name), { force: true, recursive: true });
  }
}
