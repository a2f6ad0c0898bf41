// A small base image for tests and the demo: Debian's busybox-static as an imported rootfs,
// so nothing needs a registry. The same busybox binary always gives the same image id.
import { spawnSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { ImageRecord } from './image.js';
import type { LayerEntry } from './layer-entry.js';
import { packLayer } from './layer-writer.js';
import { importRootfs } from './rootfs.js';
import type { Store } from './store.js';

export const BUSYBOX_PATH = '/bin/busybox';
export const BUSYBOX_INSTALL_HINT = 'install it with: apt-get install -y busybox-static';

function applets(busybox: string): string[] {
  // The host's own busybox (from the Debian package, not from an image) lists its applets.
  const run = spawnSync(busybox, ['--list-full'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${busybox}: cannot list applets (is it busybox-static?); ${BUSYBOX_INSTALL_HINT}`);
  return run.stdout.split('\n').map((l) => l.trim()).filter((l) => l && l !== 'bin/busybox' && l !== 'linuxrc');
}

/** The busybox root file system as layer entries. */
export async function busyboxEntries(busybox = BUSYBOX_PATH): Promise<LayerEntry[]> {
  let st;
  try {
    st = await stat(busybox);
  } catch {
    throw new Error(`${busybox}: not found; ${BUSYBOX_INSTALL_HINT}`);
  }
  const entries: LayerEntry[] = [];
  const dirs: [string, number][] = [
    ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['home', 0o755], ['proc', 0o755], ['root', 0o700],
    ['sbin', 0o755], ['sys', 0o755], ['tmp', 0o1777], ['usr', 0o755], ['usr/bin', 0o755], ['usr/sbin', 0o755],
    ['var', 0o755], ['var/tmp', 0o1777],
  ];
  for (const [path, mode] of dirs) entries.push({ kind: 'dir', path, mode });
  entries.push({ kind: 'file', path: 'bin/busybox', mode: 0o755, content: { hostPath: busybox, size: st.size } });
  for (const path of applets(busybox)) {
    entries.push({ kind: 'symlink', path, target: path.startsWith('bin/') ? 'busybox' : '/bin/busybox' });
  }
  entries.push({ kind: 'file', path: 'etc/passwd', mode: 0o644, content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' });
  entries.push({ kind: 'file', path: 'etc/group', mode: 0o644, content: 'root:x:0:\nnogroup:x:65534:\n' });
  return entries;
}

export interface BusyboxImageOptions {
  /** The busybox-static binary; default /bin/busybox. */
  busybox?: string;
}

/** Makes the busybox image in `store` under `reference` (default `busybox:latest`). */
export async function makeBusyboxImage(store: Store, reference = 'busybox:latest', options: BusyboxImageOptions = {}): Promise<ImageRecord> {
  const tarStream = packLayer(await busyboxEntries(options.busybox), { mtime: 0 });
  return importRootfs(store, tarStream, {
    tags: [reference],
    created: '1970-01-01T00:00:00Z',
    comment: 'busybox-static from the host, imported by dfc',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  });
}
