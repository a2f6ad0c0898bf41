// BuildKit's checks during `dfc build`, as `docker build` runs them: the warnings are printed after
// the build, and `# check=error=true` stops the build before it starts. Only BuildKit's rules run
// (not hadolint's), with the Dockerfile's own `# check=` and ignore comments; no .hadolint.yaml.
//
// The findings are a pure function of the Dockerfile, the linter and the platforms of the store's
// images, so they are kept under .dfc/cache/checks with a digest of those: a rebuild of an
// unchanged file reads one small file instead of loading the linter.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '@dfc/store';

export interface CheckFinding {
  rule: string;
  message: string;
  line: number;
  /** True when `# check=error=true` makes the finding fail the build. */
  error: boolean;
}

const FORMAT = 1;

export async function buildChecks(store: Store, text: string): Promise<CheckFinding[]> {
  const lintEntry = fileURLToPath(import.meta.resolve('@dfc/lint'));
  const [index, linter] = await Promise.all([readFile(store.indexPath).catch(() => Buffer.alloc(0)), stat(lintEntry).catch(() => undefined)]);
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, linter?.mtimeMs ?? 0, linter?.size ?? 0]))
    .update('\0')
    .update(index)
    .update('\0')
    .update(text)
    .digest('hex');
  // One record per Dockerfile text, replaced when the linter or the store's images change.
  const file = path.join(store.recordsDir, 'cache', 'checks', `${createHash('sha256').update(text).digest('hex')}.json`);
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as { key?: string; findings?: CheckFinding[] };
    if (record.key === key && Array.isArray(record.findings)) return record.findings;
  } catch {
    // Not checked before (or unreadable): check now.
  }
  const findings = await runChecks(store, text);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.tmp-${process.pid}`;
    await writeFile(temp, JSON.stringify({ key, findings }));
    await rename(temp, file);
  } catch {
    // A record that cannot be written only costs the next build the check again.
  }
  return findings;
}

async function runChecks(store: Store, text: string): Promise<CheckFinding[]> {
  const { RULES, lintText } = await import('@dfc/lint');
  const { storeImageLookup } = await import('./image-platforms.js');
  const buildkit = new Set(RULES.filter((r) => r.source === 'buildkit').map((r) => r.id));
  const images = await storeImageLookup(store.root, {});
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
