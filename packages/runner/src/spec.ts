// The OCI runtime-spec config.json for one process: what Docker gives a container by default
// (capabilities, masked paths, mounts), no terminal, isolated namespaces. Pure: data in, data out.
import type { ProcessUser } from './users.js';

export interface SpecMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

/** The parts of the runtime spec dfc writes (runtime-spec 1.0). */
export interface RuntimeSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: Rlimit[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: SpecMount[];
  linux: {
    namespaces: { type: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
    resources: {
      devices: { allow: boolean; access: string }[];
      memory?: { limit: number; swap?: number };
      cpu?: { quota: number; period: number };
    };
    cgroupsPath?: string;
  };
}

/** Docker's default capability set. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Where the runtime mounts its own file systems; a working directory or mount may not lie below these. */
export const RUNTIME_MOUNT_POINTS: readonly string[] = ['proc', 'dev', 'sys'];

/** Files the runner writes fresh for every process and bind-mounts over the image's. */
export const ETC_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'] as const;

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SpecInput {
  args: string[];
  env: string[];
  cwd: string;
  user: ProcessUser;
  /** Host path of the root file system. */
  rootfs: string;
  hostname: string;
  /** Host paths of the fresh files for /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etc: { hosts: string; hostname: string; resolvConf: string };
  /** More mounts (bind, tmpfs), after the standard ones; destinations already resolved in the root. */
  mounts?: SpecMount[];
  /** 'none': a network namespace of its own with only loopback; 'host': the host's network. */
  network: 'none' | 'host';
  rlimits: Rlimit[];
  memoryBytes?: number;
  /** CPUs, fractional allowed (1.5 = one and a half CPUs). */
  cpus?: number;
  cgroupsPath?: string;
}

/** Adds PATH when the environment has none, as Docker does. */
export function withDefaultPath(env: readonly string[]): string[] {
  return env.some((e) => e.startsWith('PATH=')) ? [...env] : [...env, `PATH=${DEFAULT_PATH}`];
}

export function runtimeSpec(input: SpecInput): RuntimeSpec {
  // A process that is not root starts with no effective or permitted capabilities (as Docker does
  // since CVE-2022-24769); the bounding set still limits what setuid binaries can regain.
  const caps = [...DEFAULT_CAPABILITIES];
  const isRoot = input.user.uid === 0;
  const namespaces = ['pid', 'ipc', 'uts', 'mount'];
  if (input.network === 'none') namespaces.push('network');
  const spec: RuntimeSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: input.user.uid, gid: input.user.gid, ...(input.user.additionalGids.length > 0 ? { additionalGids: input.user.additionalGids } : {}) },
      args: input.args,
      env: withDefaultPath(input.env),
      cwd: input.cwd,
      capabilities: { bounding: caps, effective: isRoot ? caps : [], permitted: isRoot ? caps : [] },
      rlimits: input.rlimits,
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      { destination: '/etc/hosts', type: 'bind', source: input.etc.hosts, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hostname', type: 'bind', source: input.etc.hostname, options: ['rbind', 'rprivate'] },
      { destination: '/etc/resolv.conf', type: 'bind', source: input.etc.resolvConf, options: ['rbind', 'rprivate'] },
      ...(input.mounts ?? []),
    ],
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      maskedPaths: [
        '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      // Deny every device node, then the runtime adds its defaults (null, zero, full, random, urandom, tty, ptmx).
      resources: { devices: [{ allow: false, access: 'rwm' }] },
    },
  };
  if (input.memoryBytes !== undefined) spec.linux.resources.memory = { limit: input.memoryBytes, swap: input.memoryBytes };
  if (input.cpus !== undefined) {
    const period = 100_000;
    spec.linux.resources.cpu = { quota: Math.max(1000, Math.round(input.cpus * period)), period };
  }
  if (input.cgroupsPath !== undefined) spec.linux.cgroupsPath = input.cgroupsPath;
  return spec;
}

/** /etc/hosts for a process: loopback names and its own host name. */
export function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

/** /etc/resolv.conf: the host's with the host's network; with none, a file that says so. */
export function resolvConfFile(hostResolvConf: string | undefined, network: 'none' | 'host'): string {
  if (network === 'none' || hostResolvConf === undefined) return '# no network in this container\n';
  return hostResolvConf;
}

/** The open-files limit from /proc/self/limits: this machine's hard limit, as soft and hard. */
export function rlimitsFromProcLimits(text: string): Rlimit[] {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.slice('Max open files'.length).trim().split(/\s+/)[1];
  if (hard === undefined || !/^\d+$/.test(hard)) return [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }];
  return [{ type: 'RLIMIT_NOFILE', soft: Number(hard), hard: Number(hard) }];
}
