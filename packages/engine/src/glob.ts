// Go's filepath.Match, which COPY sources, --exclude and .dockerignore folders are matched
// with: `*` and `?` stay within one path segment, `[…]` classes (`^` negates), `\` escapes.

/** One segment's pattern as a RegExp; undefined when the pattern is malformed (Go: ErrBadPattern). */
export function segmentPattern(seg: string): RegExp | undefined {
  const source = segmentSource(seg);
  return source === undefined ? undefined : new RegExp(`^${source}$`, 's');
}

/**
 * A `/`-separated pattern as one RegExp, segment by segment. With `orBelow`, it also matches
 * every path under a match (an excluded folder excludes its contents).
 */
export function pathPattern(pattern: string, options: { orBelow?: boolean } = {}): RegExp | undefined {
  const parts: string[] = [];
  for (const seg of pattern.split('/').filter((s) => s !== '' && s !== '.')) {
    const source = segmentSource(seg);
    if (source === undefined) return undefined;
    parts.push(source);
  }
  return new RegExp(`^${parts.join('/')}${options.orBelow ? '(?:/.*)?' : ''}$`, 's');
}

function segmentSource(seg: string): string | undefined {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < seg.length) re += escapeRe(seg[++i]!);
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) return undefined;
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/\\(.)/g, '\\$1').replace(/[\]]/g, '\\]')}]`;
      i = close;
    } else re += escapeRe(c);
  }
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
