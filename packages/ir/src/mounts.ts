// RUN --mount values as BuildKit reads them: a CSV record of key=value fields.
import type { RunMount } from './plan.js';
import { cleanPath } from './config.js';
import { splitMountFields } from './stages.js';

export type MountParse = { ok: true; mount: Omit<RunMount, 'from'>; from: string | undefined } | { ok: false; message: string };

const TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const OPTION_KEYS = new Set(['id', 'sharing', 'mode', 'uid', 'gid', 'required', 'size', 'env']);

/**
 * Parses one --mount value; `expand` expands each field value (BuildKit expands them with the
 * stage's variables). A relative or missing target is taken in `workdir`, as BuildKit does.
 */
/**
 * A tmpfs `size=` as BuildKit reads it (go-units' RAMInBytes): bytes, or a number with k, m, g,
 * t or p (powers of 1024), an optional `i` and `b`, e.g. `64m`, `1.5GiB`; undefined when invalid.
 */
export function parseMountSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m) return undefined;
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}

export function parseMount(value: string, expand: (v: string) => string | undefined, workdir: string): MountParse {
  let type: RunMount['type'] = 'bind';
  let target = '';
  let source: string | null = null;
  let from: string | undefined;
  let readonly: boolean | undefined;
  const options: Record<string, string> = {};
  for (const field of splitMountFields(value)) {
    if (field.trim() === '') continue;
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') readonly = true;
      else if (key === 'readwrite' || key === 'rw') readonly = false;
      else if (key === 'required') options.required = 'true';
      else return { ok: false, message: `invalid field '${field}' must be a key=value pair` };
      continue;
    }
    const raw = field.slice(eq + 1);
    const v = key === 'from' ? raw : expand(raw);
    if (v === undefined) return { ok: false, message: `cannot expand ${key}=${raw}` };
    switch (key) {
      case 'type':
        if (!TYPES.has(v.toLowerCase())) return { ok: false, message: `unsupported mount type "${v}" (bind, cache, tmpfs, secret or ssh)` };
        type = v.toLowerCase() as RunMount['type'];
        break;
      case 'from':
        from = v;
        break;
      case 'source':
      case 'src':
        source = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = v;
        break;
      case 'readonly':
      case 'ro':
      case 'readwrite':
      case 'rw': {
        const b = v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined;
        if (b === undefined) return { ok: false, message: `invalid value for ${key}: ${v}` };
        readonly = key === 'rw' || key === 'readwrite' ? !b : b;
        break;
      }
      default:
        if (!OPTION_KEYS.has(key)) return { ok: false, message: `unexpected key '${key}' in '${field}'` };
        options[key] = v;
    }
  }
  const only = (key: string, types: RunMount['type'][]): string | undefined =>
    options[key] !== undefined && !types.includes(type) ? `${key} is not allowed for type=${type} mounts` : undefined;
  const misplaced = only('required', ['secret', 'ssh']) ?? only('size', ['tmpfs']) ?? only('sharing', ['cache'])
    ?? only('mode', ['secret', 'ssh', 'cache']) ?? only('uid', ['secret', 'ssh', 'cache']) ?? only('gid', ['secret', 'ssh', 'cache']);
  if (misplaced) return { ok: false, message: misplaced };
  if (options.sharing !== undefined && !['shared', 'private', 'locked'].includes(options.sharing)) {
    return { ok: false, message: `unsupported sharing value "${options.sharing}" (shared, private or locked)` };
  }
  if (options.size !== undefined && parseMountSize(options.size) === undefined) {
    return { ok: false, message: `invalid size "${options.size}": give bytes or a number with a unit, such as 64m or 1g` };
  }
  if (options.mode !== undefined && !/^[0-7]{1,4}$/.test(options.mode)) return { ok: false, message: `invalid mode "${options.mode}": give octal permissions, such as 0755` };
  for (const key of ['uid', 'gid'] as const) {
    if (options[key] !== undefined && !(/^\d+$/.test(options[key]!) && Number(options[key]) <= 0xffffffff)) {
      return { ok: false, message: `invalid ${key} "${options[key]}": give a number` };
    }
  }
  if (type === 'secret') {
    if (from !== undefined) return { ok: false, message: 'a secret mount cannot have from=' };
    if (source === null && target === '' && options.id === undefined) return { ok: false, message: 'a secret mount needs id=, source= or target=' };
    options.id ??= source ?? target.split('/').pop()!;
    // With env= and no target, BuildKit gives the secret as a variable only.
    if (target === '' && options.env === undefined) target = `/run/secrets/${options.id}`;
  } else if (type === 'ssh') {
    options.id ??= 'default';
    if (target === '') target = '/run/buildkit/ssh_agent.0';
  }
  const absolute = target === '' && type === 'secret' ? '' : target.startsWith('/') ? cleanPath(target) : cleanPath(`${workdir}/${target}`);
  return { ok: true, mount: { type, target: absolute, source, readonly: readonly ?? !(type === 'cache' || type === 'tmpfs'), options }, from };
}
