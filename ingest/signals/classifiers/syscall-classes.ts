// Syscall name -> class (the original's classes), and which slow calls are just a
// process waiting for work. A call that sleeps until something happens (a client
// connects, a timer fires, a child exits, a terminal gets a key) is idle, however
// long it took: reporting it would cry wolf on every healthy server.
import { SYSCALL } from '../thresholds.js';
import { type Ladder } from '../severity.js';

export type SyscallClass =
  | 'blocking_io' | 'async_io' | 'lock_contention' | 'memory_management' | 'network'
  | 'file_system' | 'process_management' | 'signal_handling' | 'timer' | 'other';

const CLASSES: Record<Exclude<SyscallClass, 'other'>, readonly string[]> = {
  blocking_io: ['fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'msync', 'fallocate', 'ftruncate', 'truncate',
    'read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
    'sendfile', 'splice', 'copy_file_range'],
  async_io: ['io_submit', 'io_getevents', 'io_pgetevents', 'io_uring_enter', 'io_cancel', 'io_setup', 'io_destroy'],
  lock_contention: ['futex', 'flock', 'fcntl', 'semop', 'semtimedop'],
  memory_management: ['mmap', 'munmap', 'mremap', 'brk', 'mprotect', 'madvise', 'mlock', 'mlock2', 'munlock',
    'mlockall', 'mbind', 'migrate_pages', 'move_pages', 'process_madvise'],
  network: ['connect', 'accept', 'accept4', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg',
    'socket', 'bind', 'listen', 'shutdown', 'getsockopt', 'setsockopt'],
  file_system: ['open', 'openat', 'openat2', 'creat', 'close', 'stat', 'lstat', 'fstat', 'newfstatat', 'statx',
    'access', 'faccessat', 'faccessat2', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat',
    'rmdir', 'getdents', 'getdents64', 'link', 'linkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'chmod',
    'fchmod', 'fchmodat', 'chown', 'fchown', 'fchownat', 'lchown', 'utimensat', 'mount', 'umount2', 'statfs', 'fstatfs',
    'getxattr', 'setxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'inotify_add_watch'],
  process_management: ['clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4',
    'waitid', 'kill', 'tgkill', 'tkill', 'prctl', 'setpriority', 'sched_setaffinity', 'sched_yield'],
  signal_handling: ['rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait',
    'rt_sigqueueinfo', 'sigaltstack', 'signalfd', 'signalfd4', 'pause'],
  timer: ['nanosleep', 'clock_nanosleep', 'alarm', 'setitimer', 'getitimer', 'timer_create', 'timer_settime',
    'timerfd_create', 'timerfd_settime', 'clock_gettime', 'gettimeofday'],
};

const BY_NAME = new Map<string, SyscallClass>();
for (const [cls, names] of Object.entries(CLASSES)) for (const n of names) BY_NAME.set(n, cls as SyscallClass);

export const syscallClass = (name: string): SyscallClass => BY_NAME.get(name) ?? 'other';

/**
 * Always idle: they sleep until an event, a timeout, a signal or a child.
 * syscall_tracer --skip-idle (what npm start runs) drops the same calls in the
 * kernel; a test keeps its list equal to this one.
 */
export const IDLE_SYSCALLS: ReadonlySet<string> = new Set([
  'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll', 'select', 'pselect6', 'nanosleep',
  'clock_nanosleep', 'pause', 'rt_sigsuspend', 'rt_sigtimedwait', 'wait4', 'waitid', 'accept', 'accept4',
  'recvfrom', 'recvmsg', 'recvmmsg', 'msgrcv', 'mq_timedreceive', 'io_getevents', 'io_pgetevents', 'futex_waitv',
  'sigsuspend',
]);

/**
 * futex: the event carries no operation, and FUTEX_WAIT is how every idle thread
 * pool, condition variable and event loop parks (Node, Go, the JVM park threads
 * for seconds). So futex is idle by default; only processes known to use futexes
 * as lock waits (PostgreSQL backends wait on semaphores = futexes for LWLocks and
 * row locks, and their idle wait is epoll, not futex) count as lock_contention.
 */
export const FUTEX_CONTENTION_COMMS = /^(postgres|postmaster)$/;

/** Calls whose meaning depends on what the fd is (see fdKind in proc.ts). */
export const FD_DEPENDENT = new Set([
  'read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
  'sendto', 'sendmsg', 'sendmmsg', 'splice', 'sendfile', 'ioctl',
]);
const WRITES = new Set(['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'sendto', 'sendmsg', 'sendmmsg', 'sendfile', 'splice']);

export type FdKind = 'file' | 'block' | 'socket' | 'pipe' | 'char' | 'other' | 'unknown';

export type Verdict =
  | { readonly idle: true; readonly why: string }
  | { readonly idle: false; readonly cls: SyscallClass };

/**
 * Classify one slow call. `fdKind` is what the call's fd turned out to be
 * (undefined when the call has no fd). Reads from a pipe, socket or terminal wait
 * for a peer; a write to a socket that blocks means the network is not draining.
 */
export function judgeSyscall(name: string, comm: string, fdKind?: FdKind): Verdict {
  if (name === 'futex') return FUTEX_CONTENTION_COMMS.test(comm) ? BUSY.lock_contention : FUTEX_IDLE;
  const idle = IDLE_VERDICTS.get(name);
  if (idle) return idle;
  if (!FD_DEPENDENT.has(name)) return BUSY[syscallClass(name)];
  switch (fdKind) {
    case 'file': case 'block': return BUSY.blocking_io;
    case 'socket': return WRITES.has(name) ? BUSY.network : SOCKET_READ;
    case 'pipe': return PIPE;
    case 'char': return CHAR;
    default:
      // fd already closed, process gone, or an anon inode (eventfd, timerfd, inotify):
      // without knowing it is a file we would be guessing, so do not report it.
      return NOT_A_FILE[fdKind ?? 'none'];
  }
}

// Verdicts are shared and frozen: judgeSyscall runs for every slow call the tracer sees.
const idleVerdict = (why: string): Verdict => Object.freeze({ idle: true, why });
const IDLE_VERDICTS = new Map([...IDLE_SYSCALLS].map((n) => [n, idleVerdict(`${n} waits for an event`)]));
const FUTEX_IDLE = idleVerdict('futex wait');
const SOCKET_READ = idleVerdict('read from a socket');
const PIPE = idleVerdict('pipe waits for its peer');
const CHAR = idleVerdict('terminal or character device');
const NOT_A_FILE = Object.fromEntries((['file', 'block', 'socket', 'pipe', 'char', 'other', 'unknown', 'none'] as const)
  .map((k) => [k, idleVerdict(`fd not a file (${k})`)])) as Record<FdKind | 'none', Verdict>;
const BUSY = Object.fromEntries((Object.keys(CLASSES) as SyscallClass[]).concat('other')
  .map((cls) => [cls, Object.freeze({ idle: false, cls })])) as Record<SyscallClass, Verdict>;

export function ladderFor(cls: SyscallClass): Ladder {
  if (cls === 'blocking_io') return SYSCALL.blockingIoMs;
  if (cls === 'lock_contention') return SYSCALL.lockContentionMs;
  return SYSCALL.otherMs;
}
