// The rule registry: every rule's metadata, in a stable order (BuildKit's checks, then DL codes, then dfc's).
import type { RuleMeta } from './types.js';

export const RULES: readonly RuleMeta[] = [];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleMeta(id: string): RuleMeta | undefined {
  return byId.get(id);
}
