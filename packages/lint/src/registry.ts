// The rule registry: every rule in a stable order (BuildKit's checks, hadolint's DL codes, dfc's own).
import type { Rule } from './rule.js';
import type { RuleMeta } from './types.js';
import { BUILDKIT_RULES } from './rules/buildkit.js';
import { INSTRUCTION_RULES } from './rules/instructions.js';
import { RUN_RULES } from './rules/run.js';
import { LABEL_RULES } from './rules/labels.js';
import { STAGE_RULES } from './rules/stages.js';
import { PLATFORM_RULES } from './rules/platform.js';

const hadolint = [...INSTRUCTION_RULES, ...RUN_RULES, ...LABEL_RULES].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));

export const ALL_RULES: readonly Rule[] = [...BUILDKIT_RULES, ...PLATFORM_RULES, ...hadolint, ...STAGE_RULES];

export const RULES: readonly RuleMeta[] = ALL_RULES.map((r) => r.meta);

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleMeta(id: string): RuleMeta | undefined {
  return byId.get(id);
}

/**
 * BuildKit checks and DL rules that say the same thing. Both stay in the registry (so ignore comments
 * and configs written for either tool work); when both fire at one place the BuildKit one is shown,
 * and ignoring either ignores both.
 */
export const SAME_AS: Readonly<Record<string, string>> = {
  DL3024: 'DuplicateStageName',
  DL3063: 'ReservedStageName',
  DL3065: 'RedundantTargetPlatform',
  DL4000: 'MaintainerDeprecated',
  DL3025: 'JSONArgsRecommended',
  DL3029: 'FromPlatformFlagConstDisallowed',
  DL3012: 'MultipleInstructionsDisallowed',
  DL4003: 'MultipleInstructionsDisallowed',
  DL4004: 'MultipleInstructionsDisallowed',
};
