// USER: names and numbers resolved from the image's /etc/passwd and /etc/group, as runc does.
import { expect } from 'chai';
import { UserLookupError, parseGroup, parsePasswd, resolveUser } from '../src/index.js';

const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\n# comment\nbroken line\napp:x:1000:1001::/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n');
const group = parseGroup('root:x:0:\nappgrp:x:1001:\nwheel:x:10:app,other\ndocker:x:999:app\nnogroup:x:65534:\n');

describe('user lookup', () => {
  it('defaults to root with its passwd group', () => {
    expect(resolveUser(undefined, passwd, group)).to.deep.equal({ uid: 0, gid: 0, additionalGids: [] });
    expect(resolveUser('', passwd, group)).to.deep.equal({ uid: 0, gid: 0, additionalGids: [] });
  });

  it('resolves a name to its uid, its primary gid and the groups that list it', () => {
    expect(resolveUser('app', passwd, group)).to.deep.equal({ uid: 1000, gid: 1001, additionalGids: [10, 999] });
  });

  it('takes a number as it is, with the gid of a matching passwd entry or 0', () => {
    expect(resolveUser('1000', passwd, group)).to.deep.equal({ uid: 1000, gid: 1001, additionalGids: [10, 999] });
    expect(resolveUser('4242', passwd, group)).to.deep.equal({ uid: 4242, gid: 0, additionalGids: [] });
  });

  it('resolves user:group with names or numbers, without supplementary groups', () => {
    expect(resolveUser('app:nogroup', passwd, group)).to.deep.equal({ uid: 1000, gid: 65534, additionalGids: [] });
    expect(resolveUser('4242:4343', passwd, group)).to.deep.equal({ uid: 4242, gid: 4343, additionalGids: [] });
  });

  it('fails with a clear message for a name the image does not have', () => {
    expect(() => resolveUser('ghost', passwd, group)).to.throw(UserLookupError, 'unable to find user ghost: no matching entries in passwd file');
    expect(() => resolveUser('app:ghosts', passwd, group)).to.throw(UserLookupError, 'unable to find group ghosts');
    expect(() => resolveUser('99999999999', passwd, group)).to.throw(UserLookupError, 'out of range');
  });
});
