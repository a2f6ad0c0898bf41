// BuildKit's checks during `dfc build`, as `docker build` runs them: the warnings are printed after
// the build, and `# check=error=true` stops the build before it starts. Only BuildKit's rules run
// (not hadolint's), with the Dockerfile's own `# check=` and ignore comments; no .hadolint.yaml.
//
// The findings are a pure function of the Dockerfile, the linter and the platforms of the base
// images it names, so they are kept under .dfc/cache/checks, one record per Dockerfile text with
// the linter's identity and the platforms seen: a rebuild of an unchanged file reads one small
// file instead of loading the linter.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPlatform, type Platform } from '@dfc/ir';
import type { ImageLookup } from '@dfc/lint';
import type { Store } from '@dfc/store';

export interface CheckFinding {
  rule: string;
  message: string;
  line: number;
  /** True when `# check=error=true` makes the finding fail the build. */
  error: boolean;
}

const FORMAT = 2;

/** What a record keeps: the findings, and the platform each base image had when they were made. */
interface CheckRecord {
  key: string;
  /** Each reference InvalidBaseImagePlatform asked about, with the platform the store had (or null). */
  images: [string, string | null][];
  findings: CheckFinding[];
}

export async function buildChecks(store: Store, text: string): Promise<CheckFinding[]> {
  const lintEntry = fileURLToPath(import.meta.resolve('@dfc/lint'));
  const linter = await stat(lintEntry).catch(() => undefined);
  // One record per Dockerfile text (its file name), replaced when the linter (the key) or a base
  // image's platform changes.
  const key = JSON.stringify([FORMAT, linter?.mtimeMs ?? 0, linter?.size ?? 0]);
  const file = path.join(store.recordsDir, 'cache', 'checks', `${createHash('sha256').update(text).digest('hex')}.json`);
  const { storeImageLookup } = await import('./image-platforms.js');
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<CheckRecord>;
    if (record.key === key && Array.isArray(record.findings) && Array.isArray(record.images)) {
      // Only the images the last check asked about are read again.
      const now = record.images.length > 0 ? await storeImageLookup(store.root, {}, record.images.map(([ref]) => ref)) : undefined;
      if (record.images.every(([ref, seen]) => platformText(now?.(ref)) === seen)) return record.findings;
    }
  } catch {
    // Not checked before (or unreadable): check now.
  }
  const asked = new Map<string, string | null>();
  const current = await storeImageLookup(store.root, {});
  const findings = await runChecks(text, current && ((ref) => {
    const platform = current(ref);
    asked.set(ref, platformText(platform));
    return platform;
  }));
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.tmp-${process.pid}`;
    const record: CheckRecord = { key, images: [...asked], findings };
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, file);
  } catch {
    // A record that cannot be written only costs the next build the check again.
  }
  return findings;
}

function platformText(p: Platform | undefined): string | null {
  return p ? formatPlatform(p) : null;
}

async function runChecks(text: string, images: ImageLookup | undefined): Promise<CheckFinding[]> {
  const { RULES, lintText } = await import('@dfc/lint');
  const buildkit = new Set(RULES.filter((r) => r.source === 'buildkit').map((r) => r.id));
  const { diagnostics } = lintText(text, { ir: false, images, config: { severities: Object.fromEntries(RULES.filter((r) => !buildkit.has(r.id)).map((r) => [r.id, 'off' as const])) } });
  return diagnostics
    .filter((d) => buildkit.has(d.code))
    .map((d) => ({ rule: d.code, message: d.message, line: d.range.start.line, error: d.severity === 'error' }));
}

/** The warnings as docker build prints them after a build. */
export function formatChecks(findings: CheckFinding[], file: string): string {
  if (findings.length === 0) return '';
  const lines = findings.map((f) => ` - ${f.rule}: ${f.message} (${file}:${f.line})\n`);
  return `${findings.length} warning${findings.length === 1 ? '' : 's'} found:\n${lines.join('')}`;
}
