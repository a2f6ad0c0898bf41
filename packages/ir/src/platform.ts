// Platforms as `os/arch[/variant]`, normalized the way containerd's platforms package does it.

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** dfc builds for linux/amd64 unless told otherwise. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'illumos', 'ios', 'js', 'linux', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows']);

const COMPONENT = /^[A-Za-z0-9_.-]+$/;

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** Parses and normalizes a platform specifier; undefined when it is not one. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.split('/');
  if (parts.length > 3 || parts.some((p) => !COMPONENT.test(p))) return undefined;
  const lower = parts.map((p) => p.toLowerCase());
  if (lower.length === 1) {
    // One component is an OS (with the default architecture) or an architecture (on linux).
    if (KNOWN_OS.has(lower[0]!)) return { os: lower[0]!, architecture: DEFAULT_PLATFORM.architecture };
    return normalizeArch({ os: 'linux', architecture: lower[0]! });
  }
  const os = lower[0]!;
  if (!KNOWN_OS.has(os)) return undefined;
  const p: Platform = { os, architecture: lower[1]! };
  if (lower[2] !== undefined) p.variant = lower[2];
  return normalizeArch(p);
}

function normalizeArch(p: Platform): Platform {
  let { architecture: arch, variant } = p;
  switch (arch) {
    case 'i386':
      arch = '386';
      variant = undefined;
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = undefined;
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === '8' || variant === 'v8') variant = undefined;
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === undefined || variant === '7') variant = 'v7';
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  const out: Platform = { os: p.os, architecture: arch };
  if (variant) out.variant = variant;
  return out;
}
