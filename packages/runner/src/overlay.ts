// overlayfs: the image's unpacked layers as lower dirs, a fresh upper dir; after the run the upper
// dir is the diff. Only the upper dir is read, never the whole tree.
import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { entriesFromDir, type LayerEntry } from '@dfc/store';
import { ATTR_HINT } from './unpacked-layers.js';

export class OverlayUnavailableError extends Error {}

// redirect_dir and metacopy off: the upper dir must hold whole files and whole renamed directories.
// volatile: no syncs on unmount (the layer writer syncs what it keeps); index off: layers move freely.
const OPTIONS = ['redirect_dir=off', 'metacopy=off', 'index=off'];
// The kernel takes at most one page of mount options.
const MAX_OPTIONS = 4000;

function mountTool(args: string[], cwd?: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('mount', args, { stdio: ['ignore', 'ignore', 'pipe'], cwd });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: -1, stderr: err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr: stderr.trim() }));
  });
}

function checkPath(path: string): void {
  if (/[,:\\\n]/.test(path)) throw new OverlayUnavailableError(`${path}: overlayfs cannot take a path with ",", ":" or "\\"`);
}

/**
 * Mounts overlayfs at `target`. `lowers` are top first. Lower dirs under `lowerBase` are given
 * relative to it (mount runs there), which keeps the option string short.
 */
export async function mountOverlay(lowers: string[], upper: string, work: string, target: string, lowerBase: string): Promise<void> {
  for (const p of [...lowers, upper, work, target]) checkPath(p);
  const lowerText = lowers.map((l) => (l.startsWith(`${lowerBase}/`) ? relative(lowerBase, l) : l)).join(':');
  const base = `lowerdir=${lowerText},upperdir=${upper},workdir=${work},${OPTIONS.join(',')}`;
  if (base.length + ',volatile'.length > MAX_OPTIONS) {
    throw new OverlayUnavailableError(`the image has too many layers (${lowers.length}) for one overlayfs mount`);
  }
  let result = await mountTool(['-t', 'overlay', 'overlay', '-o', `${base},volatile`, target], lowerBase);
  // Kernels before 5.10 have no volatile mounts.
  if (result.code !== 0) result = await mountTool(['-t', 'overlay', 'overlay', '-o', base, target], lowerBase);
  if (result.code !== 0) throw new OverlayUnavailableError(`cannot mount overlayfs: ${result.stderr || `mount exit status ${result.code}`}`);
}

/** Directories of `upper` marked opaque (trusted.overlay.opaque=y), as paths relative to it. */
async function opaqueDirs(upper: string): Promise<Set<string>> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('getfattr', ['-R', '-P', '-h', '--absolute-names', '-m', '^trusted\\.overlay\\.opaque$', '-d', '--', upper], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code === 'ENOENT' ? `getfattr not found; ${ATTR_HINT}` : err.message)));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`getfattr: ${stderr.trim() || `exit status ${code}`}`))));
  });
  const found = new Set<string>();
  let file: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) {
      // getfattr escapes unprintable bytes and backslash as \ooo; the bytes are the file name's.
      const raw = line.slice('# file: '.length).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      file = Buffer.from(raw, 'latin1').toString('utf8');
    } else if (file !== undefined && /^trusted\.overlay\.opaque="y"$/.test(line)) {
      const rel = relative(upper, file);
      if (rel !== '') found.add(rel);
    }
  }
  return found;
}

/**
 * The upper dir as layer entries: overlay whiteouts (0/0 character devices) become whiteouts, an
 * opaque directory gets its `.wh..wh..opq`.
 */
export async function upperDirEntries(upper: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  let dirs = 0;
  for await (const entry of entriesFromDir(upper)) {
    if (entry.kind === 'char' && entry.major === 0 && entry.minor === 0) entries.push({ kind: 'whiteout', path: entry.path });
    else {
      if (entry.kind === 'dir') dirs++;
      entries.push(entry);
    }
  }
  if (dirs > 0) {
    const opaque = await opaqueDirs(upper);
    for (const path of opaque) entries.push({ kind: 'opaque', path });
  }
  return entries;
}
