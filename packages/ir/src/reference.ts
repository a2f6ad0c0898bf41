// Image references as Docker's reference package reads them (ParseNormalizedNamed + TagNameOnly).

export interface ImageReference {
  /** As written, e.g. `alpine:3.19`. */
  written: string;
  /** Fully qualified with the default tag, e.g. `docker.io/library/alpine:3.19`. */
  normalized: string;
  domain: string;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const PATH = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_NAME = 255;

/** Parses a reference; returns an error message when it is not a valid one. */
export function parseImageReference(text: string): { ok: true; value: ImageReference } | { ok: false; message: string } {
  if (text === '') return { ok: false, message: 'repository name must have at least one component' };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { ok: false, message: `invalid digest "${digest}"` };
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) return { ok: false, message: `invalid tag "${tag}"` };
  }
  if (rest === '') return { ok: false, message: 'invalid reference format' };
  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) return { ok: false, message: `invalid registry "${first}"` };
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  // The whole path at once; component by component only to say what is wrong.
  if (!PATH.test(path)) {
    for (const c of path.split('/')) {
      if (PATH_COMPONENT.test(c)) continue;
      if (PATH_COMPONENT.test(c.toLowerCase())) return { ok: false, message: 'repository name must be lowercase' };
      return { ok: false, message: 'invalid reference format' };
    }
  }
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const name = `${domain}/${path}`;
  if (name.length > MAX_NAME) return { ok: false, message: `repository name must not be more than ${MAX_NAME} characters` };
  const effectiveTag = tag ?? (digest === undefined ? 'latest' : undefined);
  const normalized = name + (effectiveTag !== undefined ? `:${effectiveTag}` : '') + (digest !== undefined ? `@${digest}` : '');
  return { ok: true, value: { written: text, normalized, domain, path, tag: effectiveTag, digest } };
}
