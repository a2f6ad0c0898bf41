// @dfc/lint: rules over the AST and IR → diagnostics. Pure and synchronous; prints nothing.
//
//   lint.ts        lintText: parse, run the rules, apply suppressions and the config
//   registry.ts    RULES: every rule's id, title, severity and documentation
//   rules/         the rules, one file per family (BuildKit checks, DL rules, RUN commands…)
//   config.ts      .hadolint.yaml-compatible config → LintConfig
//   fixes.ts       applyFixes: the mechanical fixes carried on diagnostics
//   format/        tty, json, sarif, gnu and checkstyle output
export type {
  BuildContextView, Diagnostic, FileReport, ImageLookup, LabelType, LintConfig, LintOptions, LintResult, RuleDocs, RuleMeta, RuleSource, Severity,
} from './types.js';
export { lintText, failsThreshold, DEFAULT_FAILURE_THRESHOLD } from './lint.js';
export { keepParsedScripts } from './shell.js';
export { RULES, ruleMeta } from './registry.js';
export { applyFixes, fixText } from './fixes.js';
export { ruleDocPages } from './docs.js';
export { parseLintConfig, type ConfigResult } from './config.js';
export { PROJECT_CONFIG_FILES, userConfigPaths } from './config-paths.js';
export { formatCheckstyle, formatGnu, formatJson, formatSarif, formatTty, type Paint, type SarifOptions, type TtyOptions } from './format/index.js';
