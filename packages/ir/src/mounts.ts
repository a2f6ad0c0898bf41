// RUN --mount values as BuildKit reads them: a CSV record of key=value fields.
import type { RunMount } from './plan.js';
import { splitMountFields } from './stages.js';

export type MountParse = { ok: true; mount: Omit<RunMount, 'from'>; from: string | undefined } | { ok: false; message: string };

const TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const OPTION_KEYS = new Set(['id', 'sharing', 'mode', 'uid', 'gid', 'required', 'size', 'env']);

/** Parses one --mount value; `expand` expands each field value (BuildKit expands them with the stage's variables). */
export function parseMount(value: string, expand: (v: string) => string | undefined): MountParse {
  let type: RunMount['type'] = 'bind';
  let target: string | null = null;
  let source: string | null = null;
  let from: string | undefined;
  let readonly: boolean | undefined;
  const options: Record<string, string> = {};
  for (const field of splitMountFields(value)) {
    if (field.trim() === '') continue;
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const raw = eq < 0 ? undefined : field.slice(eq + 1);
    let v: string | undefined;
    if (raw !== undefined && key !== 'from') {
      v = expand(raw);
      if (v === undefined) return { ok: false, message: `cannot expand ${key}=${raw}` };
    } else v = raw;
    const flag = (): boolean | undefined => (v === undefined || v === 'true' ? true : v === 'false' ? false : undefined);
    switch (key) {
      case 'type':
        if (v === undefined || !TYPES.has(v.toLowerCase())) return { ok: false, message: `unsupported mount type "${v ?? ''}" (bind, cache, tmpfs, secret or ssh)` };
        type = v.toLowerCase() as RunMount['type'];
        break;
      case 'from':
        from = v;
        break;
      case 'source':
      case 'src':
        source = v ?? '';
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = v ?? '';
        break;
      case 'readonly':
      case 'ro':
      case 'rw':
      case 'readwrite': {
        const b = flag();
        if (b === undefined) return { ok: false, message: `invalid value for ${key}: ${v}` };
        readonly = key === 'rw' || key === 'readwrite' ? !b : b;
        break;
      }
      default:
        if (!OPTION_KEYS.has(key)) return { ok: false, message: `unexpected key '${key}' in '${field}'` };
        options[key] = v ?? 'true';
    }
  }
  if (options.sharing !== undefined && !['shared', 'private', 'locked'].includes(options.sharing)) {
    return { ok: false, message: `unrecognized sharing parameter "${options.sharing}" (shared, private or locked)` };
  }
  if (type === 'secret') {
    if (target === null && options.id === undefined) return { ok: false, message: 'a secret mount needs id= or target=' };
    target ??= `/run/secrets/${options.id}`;
  } else if (type === 'ssh') {
    target ??= '/run/buildkit/ssh_agent.0';
    options.id ??= 'default';
  } else if (target === null || target === '') {
    return { ok: false, message: `mount type=${type} needs target=` };
  }
  return { ok: true, mount: { type, target, source, readonly: readonly ?? type === 'bind', options }, from };
}
