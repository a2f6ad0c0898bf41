// lintText: parse, build the model, run every enabled rule, then apply the config and the
// suppressions. Pure and synchronous: the LSP calls it on every keystroke.
import { parse } from '@dfc/syntax';
import type { Diagnostic, Range, Severity } from '@dfc/syntax';
import { planBuild } from '@dfc/ir';
import { buildModel, type FileModel } from './model.js';
import { RuleContext, type Finding } from './rule.js';
import { ALL_RULES, SAME_AS, ruleMeta } from './registry.js';
import { readSuppressions, type CheckDirective, type Suppressions } from './suppress.js';
import type { LintConfig, LintOptions, LintResult, RuleMeta } from './types.js';

/** Syntax diagnostics a lint rule reports better (with BuildKit's name). */
const REPLACED_SYNTAX_CODES = new Set(['DF010']);

export function lintText(text: string, options: LintOptions = {}): LintResult {
  const config = options.config ?? {};
  const { ast, diagnostics: syntax } = parse(text);
  const model = buildModel(ast);
  const ctx = new RuleContext(text, ast, model, config, options.context);
  ctx.images = options.images;
  const sup = readSuppressions(ast, model, !config.disableIgnorePragma, text);

  const plain = plainConfig(config, sup.check);
  const rules = plain ? (options.context ? DEFAULT_RULES_WITH_CONTEXT : DEFAULT_RULES) : ALL_RULES;
  for (const rule of rules) {
    if (!plain && (!enabled(rule.meta, config, sup.check) || (rule.meta.needsContext && !options.context))) continue;
    try {
      rule.check(ctx);
    } catch (err) {
      // A bug in a rule must not cost the user the other rules' findings.
      const message = err instanceof Error ? err.message : String(err);
      ctx.findings.push({ rule: 'LintInternalError', range: ast.range, message: `rule ${rule.meta.id} failed: ${message} (a bug in dfc)` });
    }
  }

  const out: Diagnostic[] = [];
  for (const d of syntax) if (!REPLACED_SYNTAX_CODES.has(d.code) && !suppressed(d.code, d.range, sup, config)) out.push(d);
  if (options.ir !== false) for (const d of planDiagnostics(ast, model)) if (!suppressed(d.code, d.range, sup, config)) out.push(d);
  // Where a DL rule and its BuildKit twin both fire, the BuildKit one is shown.
  let fired: Set<string> | undefined;
  for (const f of ctx.findings) if (TWINS.has(f.rule)) (fired ??= new Set()).add(`${f.rule}@${f.range.start.offset}`);
  for (const f of ctx.findings) {
    const twin = fired && TWIN_OF.get(f.rule);
    if (twin && fired!.has(`${twin}@${f.range.start.offset}`)) continue;
    const d = toDiagnostic(f, config, sup);
    if (d) out.push(d);
  }
  return { ast, diagnostics: sortDiagnostics(out) };
}

/** The IR's own diagnostics (what a build would reject), for the same file. */
function planDiagnostics(ast: LintResult['ast'], model: FileModel): Diagnostic[] {
  try {
    const found = planBuild(ast, { allStages: true, diagnosticsOnly: true }).diagnostics;
    if (found.length === 0) return found;
    // A FROM built from ARGs is checked with their defaults by InvalidDefaultArgInFrom (a warning:
    // such files are usually built with --build-arg); the IR's error would say it twice.
    const fromWithVars = new Set(model.stages.filter((s) => s.from.image?.value.includes('$')).map((s) => s.from.range.start.line));
    return found.filter((d) => !IR_COVERED.has(d.code) && !((d.code === 'IR003' || d.code === 'IR004') && fromWithVars.has(d.range.start.line)));
  } catch {
    return [];
  }
}

/** SAME_AS as a map, and the BuildKit checks in it. */
const TWIN_OF = new Map(Object.entries(SAME_AS));
const TWINS = new Set(TWIN_OF.values());

/** IR codes a lint rule reports at the same place with more to say. */
const IR_COVERED = new Set(['IR006', 'IR017']);

/** The rules a file runs when neither its config nor a check directive turns one on or off. */
const DEFAULT_RULES = ALL_RULES.filter((r) => r.meta.enabledByDefault && !r.meta.needsContext);
const DEFAULT_RULES_WITH_CONTEXT = ALL_RULES.filter((r) => r.meta.enabledByDefault);

/** Neither the config nor the check directive enables or disables a rule: every file of most runs. */
function plainConfig(config: LintConfig, check: CheckDirective): boolean {
  return config.severities === undefined && config.enabled === undefined && !check.skipAll && check.skip.size === 0 && !check.experimentalAll && check.experimental.size === 0;
}

function enabled(meta: RuleMeta, config: LintConfig, check: CheckDirective): boolean {
  if (config.severities?.[meta.id] === 'off') return false;
  if (meta.enabledByDefault) return !(meta.source === 'buildkit' && check.skipAll) && !check.skip.has(meta.id);
  return config.enabled?.includes(meta.id) === true || check.experimental.has(meta.id) || (check.experimentalAll && meta.source === 'buildkit');
}

function toDiagnostic(f: Finding, config: LintConfig, sup: Suppressions): Diagnostic | undefined {
  if (suppressed(f.rule, f.range, sup, config)) return undefined;
  const meta = ruleMeta(f.rule);
  let severity: Severity = meta?.severity ?? 'warning';
  const override = config.severities?.[f.rule];
  if (override === 'off') return undefined;
  if (override) severity = override;
  if (sup.check.error && meta?.source === 'buildkit') severity = 'error';
  const d: Diagnostic = { code: f.rule, severity, message: f.message, range: f.range };
  if (f.fix) d.fix = f.fix;
  return d;
}

/** Whether an ignore comment or the config turns off a finding at `range` (a range works out its offset when asked: most files ignore nothing). */
function suppressed(code: string, range: Range, sup: Suppressions, config: LintConfig): boolean {
  if (sup.global.size === 0 && sup.ranges.length === 0 && !config.ignored?.length) return false;
  const ids = aliases(code);
  if (ids.some((id) => config.ignored?.includes(id) || sup.global.has(id))) return true;
  if (sup.ranges.length === 0) return false;
  const offset = range.start.offset;
  for (const r of sup.ranges) {
    if (offset < r.start || offset > r.end) continue;
    if (ids.some((id) => r.rules.has(id)) || (r.all && ruleMeta(code)?.source === 'buildkit')) return true;
  }
  return false;
}

function aliases(code: string): readonly string[] {
  return ALIASES.get(code) ?? [code];
}

/** Each code with its twins from SAME_AS (a DL code's BuildKit name, a BuildKit name's DL codes). */
const ALIASES = new Map<string, string[]>();
for (const [dl, bk] of Object.entries(SAME_AS)) {
  if (!ALIASES.has(bk)) ALIASES.set(bk, [bk]);
  ALIASES.get(bk)!.push(dl);
  ALIASES.set(dl, [dl, bk]);
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length < 2) return diagnostics;
  // A parser range works out its position on every read: read each diagnostic's offsets once.
  const keyed = diagnostics.map((d) => ({ d, start: d.range.start.offset, end: d.range.end.offset }));
  keyed.sort((a, b) => a.start - b.start || a.end - b.end || (a.d.code < b.d.code ? -1 : a.d.code > b.d.code ? 1 : 0));
  for (let k = 0; k < keyed.length; k++) diagnostics[k] = keyed[k]!.d;
  return diagnostics;
}

const RANK: Record<Severity, number> = { hint: 0, info: 1, warning: 2, error: 3 };

/** hadolint's default: findings of `info` and above fail the run. */
export const DEFAULT_FAILURE_THRESHOLD = 'info' as const;

/** Whether any diagnostic is at or above the threshold (`none` never fails). */
export function failsThreshold(diagnostics: readonly Diagnostic[], threshold: Severity | 'none' = DEFAULT_FAILURE_THRESHOLD): boolean {
  if (threshold === 'none') return false;
  return diagnostics.some((d) => RANK[d.severity] >= RANK[threshold]);
}
