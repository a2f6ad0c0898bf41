// The lint config for a Dockerfile: the nearest .hadolint.yaml (or .yml) from its folder up,
// else hadolint's user-level files. Read again when the file changes; a bad file is reported,
// and the document is then linted with the defaults.
import fs from 'node:fs';
import path from 'node:path';
import { parseLintConfig, PROJECT_CONFIG_FILES, userConfigPaths, type LintConfig } from '@dfc/lint';

export { userConfigPaths };

export interface ConfigLookup {
  /** The file used; undefined when none was found. */
  path: string | undefined;
  config: LintConfig | undefined;
  /** What is wrong with the file, when it could not be used. */
  error: string | undefined;
}

// One object for "no file", so a caller can tell by identity that nothing changed.
const NO_CONFIG: ConfigLookup = Object.freeze({ path: undefined, config: undefined, error: undefined });

export class LintConfigs {
  private readonly cache = new Map<string, { stamp: string; lookup: ConfigLookup }>();

  constructor(private readonly userPaths: readonly string[]) {}

  /** The config for a Dockerfile on disk; for an unsaved document, the user-level one. */
  forFile(fileName: string | undefined): ConfigLookup {
    const file = this.find(fileName);
    if (!file) return NO_CONFIG;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return NO_CONFIG;
    }
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const cached = this.cache.get(file);
    if (cached && cached.stamp === stamp) return cached.lookup;
    let lookup: ConfigLookup;
    try {
      const result = parseLintConfig(fs.readFileSync(file, 'utf8'), file);
      lookup = 'error' in result ? { path: file, config: undefined, error: result.error } : { path: file, config: result.config, error: undefined };
    } catch (err) {
      lookup = { path: file, config: undefined, error: `cannot read ${file}: ${(err as Error).message}` };
    }
    this.cache.set(file, { stamp, lookup });
    return lookup;
  }

  private find(fileName: string | undefined): string | undefined {
    if (fileName) {
      for (let dir = path.dirname(fileName); ; dir = path.dirname(dir)) {
        for (const name of PROJECT_CONFIG_FILES) {
          const candidate = path.join(dir, name);
          if (isFile(candidate)) return candidate;
        }
        if (path.dirname(dir) === dir) break;
      }
    }
    return this.userPaths.find(isFile);
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
