// The shapes the lint API takes and gives. Diagnostics are @dfc/syntax's one Diagnostic type.
import type { Diagnostic, Dockerfile, Severity } from '@dfc/syntax';

export type { Diagnostic, Severity };

/** What a rule's documentation page says: why it matters, a Dockerfile that fires it, one that does not. */
export interface RuleDocs {
  why: string;
  bad: string;
  good: string;
}

/** Where a rule comes from: BuildKit's build checks, hadolint's DL rules, or dfc's own. */
export type RuleSource = 'buildkit' | 'hadolint' | 'dfc';

export interface RuleMeta {
  /** Stable id: BuildKit's PascalCase name, hadolint's DLxxxx code, or dfc's own name. */
  id: string;
  title: string;
  /** Default severity; the config's `override` changes it. */
  severity: Severity;
  source: RuleSource;
  /** Where the rule's upstream documentation lives, when it has one. */
  url?: string;
  docs: RuleDocs;
  /** False for rules that run only when enabled (BuildKit's experimental ones). */
  enabledByDefault: boolean;
  /** True when the rule needs the build context (LintOptions.context) to run. */
  needsContext: boolean;
}

/** Read-only view of a build context, implemented by the caller (the CLI does it over a directory). */
export interface BuildContextView {
  /** Whether a path (relative to the context root, `/`-separated; may hold globs) matches anything. */
  exists(path: string): boolean;
  /** Whether the .dockerignore excludes the path. */
  isIgnored(path: string): boolean;
  /** Every file in the context, relative, `/`-separated (optional). */
  list?(): string[];
  /** The .dockerignore patterns, as written, if there is one (optional). */
  ignorePatterns?(): string[];
}

/** A label-schema value type, as in .hadolint.yaml. */
export type LabelType = 'text' | 'url' | 'email' | 'rfc3339' | 'semver' | 'hash' | 'spdx';

export interface LintConfig {
  /** Rule ids never reported. */
  ignored?: readonly string[];
  /** Rule id → severity it is reported with (`off` turns it off). */
  severities?: Readonly<Record<string, Severity | 'off'>>;
  /** Rules that are off by default and should run (e.g. experimental BuildKit checks). */
  enabled?: readonly string[];
  /** Registries FROM images may come from (DL3026); empty or absent means any. */
  trustedRegistries?: readonly string[];
  /** The lowest severity that makes `dfc lint` fail; `none` never fails. Default `info`… see DEFAULT_THRESHOLD. */
  failureThreshold?: Severity | 'none';
  /** Required labels and their value types (DL3049 and the label value rules). */
  labelSchema?: Readonly<Record<string, LabelType>>;
  /** Labels not in the schema are reported (DL3050). */
  strictLabels?: boolean;
  /** Ignore `# hadolint ignore=` / `# dfc ignore=` comments. */
  disableIgnorePragma?: boolean;
}

export interface LintOptions {
  config?: LintConfig;
  /** The build context: enables CopyIgnoredFile, missing sources and the other context rules. */
  context?: BuildContextView;
  /** Shown in messages only; lint never reads it. */
  fileName?: string;
  /**
   * Include @dfc/ir's diagnostics (what a build would reject: bad stage references, ports,
   * durations…). Default true. Planning is the costliest step of linting; a caller that only
   * wants the rules can turn it off.
   */
  ir?: boolean;
  /**
   * The platform of a base image the caller can see (e.g. in the dfc store), by the reference as
   * FROM names it after ARG expansion; undefined when unknown. Enables InvalidBaseImagePlatform.
   */
  images?: ImageLookup;
}

export type ImageLookup = (reference: string) => { os: string; architecture: string; variant?: string } | undefined;

export interface LintResult {
  ast: Dockerfile;
  /** Syntax, IR and lint diagnostics together, sorted by position, suppressions applied. */
  diagnostics: Diagnostic[];
}

/** One linted file, as the formatters take it. */
export interface FileReport {
  file: string;
  text: string;
  diagnostics: Diagnostic[];
}
