// A compact way to declare a rule: metadata, its documentation, and the check.
import type { Rule, RuleContext } from '../rule.js';
import type { RuleMeta, Severity } from '../types.js';

interface RuleSpec {
  id: string;
  title: string;
  severity: Severity;
  why: string;
  bad: string;
  good: string;
  enabledByDefault?: boolean;
  needsContext?: boolean;
  url?: string;
  check(ctx: RuleContext): void;
}

export function buildkitRule(spec: RuleSpec): Rule {
  return make(spec, 'buildkit', spec.url ?? `https://docs.docker.com/go/dockerfile/rule/${kebab(spec.id)}/`);
}

export function hadolintRule(spec: RuleSpec): Rule {
  return make(spec, 'hadolint', spec.url ?? `https://github.com/hadolint/hadolint/wiki/${spec.id}`);
}

export function dfcRule(spec: RuleSpec): Rule {
  return make(spec, 'dfc', spec.url);
}

function make(spec: RuleSpec, source: RuleMeta['source'], url: string | undefined): Rule {
  const meta: RuleMeta = {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    source,
    docs: { why: spec.why, bad: spec.bad, good: spec.good },
    enabledByDefault: spec.enabledByDefault ?? true,
    needsContext: spec.needsContext ?? false,
  };
  if (url) meta.url = url;
  return { meta, check: spec.check };
}

function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}
