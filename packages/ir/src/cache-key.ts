// Canonical forms for cache keys: the same value always gives the same text and digest.
import { createHash } from 'node:crypto';
import type { Op } from './plan.js';

/** The digest of an op for its cache key: sha256 of its canonical JSON, proxy settings left out. */
export function opDigest(op: Op): string {
  const keyed = op.kind === 'run' ? { ...op, proxyEnv: undefined } : op;
  return `sha256:${createHash('sha256').update(canonicalJSON(keyed)).digest('hex')}`;
}

/** A copy with its keys in sorted order (as Go writes a map in JSON). */
export function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[key] = record[key]!;
  return out;
}

/** JSON with object keys sorted and undefined members dropped: the same value always gives the same text. */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
