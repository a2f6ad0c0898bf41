// Image references as users write them: `name[:tag][@digest]`, with `latest` as the default tag.
import type { Digest } from './digest.js';

export interface Reference {
  /** Repository name, e.g. `busybox` or `registry.example:5000/team/app`. */
  name: string;
  tag?: string;
  digest?: Digest;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
const NAME_RE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** Parses a reference; returns an error message instead when it is malformed. */
export function parseReference(text: string): Reference | { error: string } {
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!DIGEST_RE.test(d)) return { error: `invalid reference "${text}": bad digest "${d}"` };
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return { error: `invalid reference "${text}": bad tag "${tag}"` };
  }
  if (rest.length === 0 || rest.length > 255 || !NAME_RE.test(rest)) {
    return { error: `invalid reference "${text}": a name is lowercase letters, digits and separators (. _ - /)` };
  }
  const ref: Reference = { name: rest };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** A reference with a tag, as stored in the index: `name:tag` (tag `latest` when omitted). */
export function normalizeTag(text: string): string {
  const ref = parseReference(text);
  if ('error' in ref) throw new Error(ref.error);
  if (ref.digest !== undefined) throw new Error(`invalid tag "${text}": a tag cannot carry a digest`);
  return `${ref.name}:${ref.tag ?? 'latest'}`;
}

export function formatReference(ref: Reference): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
