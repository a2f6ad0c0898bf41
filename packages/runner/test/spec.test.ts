// The runtime spec: Docker's defaults, no terminal, isolated namespaces, the runtime's mounts.
import { expect } from 'chai';
import { DEFAULT_CAPABILITIES, runtimeSpec, type SpecInput } from '../src/index.js';
import { rlimitsFromProcLimits } from '../src/spec.js';

const input: SpecInput = {
  args: ['sh', '-c', 'true'],
  env: ['A=1'],
  cwd: '/w',
  user: { uid: 0, gid: 0, additionalGids: [] },
  rootfs: '/tmp/root',
  hostname: 'box',
  etc: { hosts: '/b/hosts', hostname: '/b/hostname', resolvConf: '/b/resolv.conf' },
  network: 'none',
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
};

describe('runtime spec', () => {
  it('runs the process without a terminal, with Docker default capabilities for root', () => {
    const spec = runtimeSpec(input);
    expect(spec.process.terminal).to.equal(false);
    expect(spec.process.args).to.deep.equal(['sh', '-c', 'true']);
    expect(spec.process.cwd).to.equal('/w');
    expect(spec.process.capabilities.bounding).to.deep.equal([...DEFAULT_CAPABILITIES]);
    expect(spec.process.capabilities.effective).to.include('CAP_CHOWN').and.not.include('CAP_SYS_ADMIN');
    expect(DEFAULT_CAPABILITIES).to.have.length(14);
  });

  it('gives a non-root user no effective capabilities, and its supplementary groups', () => {
    const spec = runtimeSpec({ ...input, user: { uid: 1000, gid: 1000, additionalGids: [27] } });
    expect(spec.process.user).to.deep.equal({ uid: 1000, gid: 1000, additionalGids: [27] });
    expect(spec.process.capabilities.effective).to.deep.equal([]);
    expect(spec.process.capabilities.permitted).to.deep.equal([]);
    expect(spec.process.capabilities.bounding).to.have.length(14);
  });

  it('adds PATH when the environment has none, and keeps one that is given', () => {
    expect(runtimeSpec(input).process.env).to.deep.equal(['A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(runtimeSpec({ ...input, env: ['PATH=/x'] }).process.env).to.deep.equal(['PATH=/x']);
  });

  it('isolates pid, mount, ipc, uts and network; host network leaves the network namespace out', () => {
    expect(runtimeSpec(input).linux.namespaces.map((n) => n.type).sort()).to.deep.equal(['ipc', 'mount', 'network', 'pid', 'uts']);
    expect(runtimeSpec({ ...input, network: 'host' }).linux.namespaces.map((n) => n.type)).to.not.include('network');
  });

  it('mounts /proc, /dev, /dev/pts, /dev/shm, a read-only /sys, and fresh /etc files', () => {
    const mounts = runtimeSpec(input).mounts;
    const at = (d: string) => mounts.find((m) => m.destination === d);
    expect(at('/proc')?.type).to.equal('proc');
    expect(at('/dev')?.type).to.equal('tmpfs');
    expect(at('/dev/pts')?.type).to.equal('devpts');
    expect(at('/dev/shm')?.type).to.equal('tmpfs');
    expect(at('/sys')?.options).to.include('ro');
    expect(at('/etc/hosts')).to.include({ type: 'bind', source: '/b/hosts' });
    expect(at('/etc/hostname')?.source).to.equal('/b/hostname');
    expect(at('/etc/resolv.conf')?.source).to.equal('/b/resolv.conf');
  });

  it('sets memory and CPU limits only when asked', () => {
    expect(runtimeSpec(input).linux.resources.memory).to.equal(undefined);
    const spec = runtimeSpec({ ...input, memoryBytes: 64 << 20, cpus: 1.5 });
    expect(spec.linux.resources.memory?.limit).to.equal(64 << 20);
    expect(spec.linux.resources.cpu).to.deep.equal({ quota: 150000, period: 100000 });
  });

  it("takes the open-files limit from this machine's hard limit", () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
    expect(rlimitsFromProcLimits(limits)).to.deep.equal([{ type: 'RLIMIT_NOFILE', soft: 524288, hard: 524288 }]);
  });
});
