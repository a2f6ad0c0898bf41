// USER resolution from the image's /etc/passwd and /etc/group, read as data: nothing from the
// image runs on the host. The rules follow runc's (and so Docker's) user lookup.

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The uid, gid and supplementary groups a process runs with. */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

/** A USER that names a user or group the image does not have. */
export class UserLookupError extends Error {}

const MAX_ID = 2 ** 31 - 1;

function idOf(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

/** Parses passwd(5) lines; malformed lines are skipped, as libc does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = idOf(f[2] ?? '');
    const gid = idOf(f[3] ?? '');
    if (f.length < 4 || !f[0] || uid === undefined || gid === undefined) continue;
    entries.push({ name: f[0], uid, gid, home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return entries;
}

/** Parses group(5) lines; malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = idOf(f[2] ?? '');
    if (f.length < 3 || !f[0] || gid === undefined) continue;
    entries.push({ name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return entries;
}

/**
 * Resolves `user[:group]` (names or numbers) against the image's files. A name must exist; a
 * number need not. Without a group, the gid is the user's from passwd (else 0) and the
 * supplementary groups are those of /etc/group that list the user.
 */
export function resolveUser(spec: string | undefined, passwd: readonly PasswdEntry[], groups: readonly GroupEntry[]): ProcessUser {
  const text = (spec ?? '').trim();
  const colon = text.indexOf(':');
  const userPart = colon < 0 ? text : text.slice(0, colon);
  const groupPart = colon < 0 ? undefined : text.slice(colon + 1);

  let entry: PasswdEntry | undefined;
  let uid: number;
  if (userPart === '') {
    uid = 0;
    entry = passwd.find((p) => p.uid === 0);
  } else {
    const n = idOf(userPart);
    if (n !== undefined) {
      uid = n;
      entry = passwd.find((p) => p.uid === n);
    } else {
      if (/^\d+$/.test(userPart)) throw new UserLookupError(`user id ${userPart} is out of range (at most ${MAX_ID})`);
      entry = passwd.find((p) => p.name === userPart);
      if (!entry) throw new UserLookupError(`unable to find user ${userPart}: no matching entries in passwd file`);
      uid = entry.uid;
    }
  }

  if (groupPart !== undefined && groupPart !== '') {
    const n = idOf(groupPart);
    let gid: number;
    if (n !== undefined) gid = n;
    else {
      if (/^\d+$/.test(groupPart)) throw new UserLookupError(`group id ${groupPart} is out of range (at most ${MAX_ID})`);
      const group = groups.find((g) => g.name === groupPart);
      if (!group) throw new UserLookupError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = group.gid;
    }
    return { uid, gid, additionalGids: [] };
  }

  const gid = entry?.gid ?? 0;
  const additional: number[] = [];
  if (entry) {
    for (const g of groups) {
      if (g.members.includes(entry.name) && g.gid !== gid && !additional.includes(g.gid)) additional.push(g.gid);
    }
  }
  return { uid, gid, additionalGids: additional };
}
