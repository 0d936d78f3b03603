// The eval's culprits that harness/workloads.ts does not already have, as inline
// Python programs with the same guard (comm set, exit with the launcher or at the
// deadline). Workers a culprit forks re-point the guard at their own parent, so
// they exit when it does.
import { pyGuard } from '../harness/workloads.js';
import type { WorkloadSpec } from '../harness/scope.js';
import { joinCgroup, loopbackServer } from './probes.js';

const py = (name: string, comm: string, lifeS: number, body: string): WorkloadSpec =>
  ({ name, cmd: 'python3', args: ['-c', `${pyGuard(comm, lifeS)}${body}`] });

/** Fork `n` children running `child` (a Python statement block at column 0); the parent waits. */
const forkWorkers = (n: number, child: string): string => `
pids = []
for i in range(${n}):
    pid = os.fork()
    if pid == 0:
        parent = os.getppid()
${child.split('\n').map((l) => (l ? `        ${l}` : l)).join('\n')}
        os._exit(0)
    pids.append(pid)
while alive():
    time.sleep(0.2)
`;

/** One workload, `n` busy worker processes (same parent, same executable, same comm). */
export function cpuHogWorkers(n: number, lifeS: number): WorkloadSpec {
  return py('cpu-hog', 'ks-cpuhog', lifeS, forkWorkers(n, `
while alive():
    for _ in range(200000): pass`));
}

/**
 * Reads random pages of a file larger than its memory cgroup's limit through a
 * read-only mapping: most touches are major faults (read from disk), and pages it
 * comes back to count as a working set, so the cgroup's reclaim evicts others'
 * cached pages, not only its own, to make room.
 */
export function cacheThrash(file: string, cgroupProcs: string, lifeS: number): WorkloadSpec {
  return py('cache-thrash', 'ks-cachethrash', lifeS, `${joinCgroup(cgroupProcs)}
fd = os.open(${JSON.stringify(file)}, os.O_RDONLY)
size = os.fstat(fd).st_size
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
m = mmap.mmap(fd, size, prot=mmap.PROT_READ)
m.madvise(mmap.MADV_RANDOM)  # no read-ahead: one fault per page, as a random-access reader
import random
pages = size // mmap.PAGESIZE
while alive():
    for _ in range(65536):
        m[random.randrange(pages) * mmap.PAGESIZE]
`);
}

/**
 * Thousands of short loopback connections: `perS` a second to its own listener,
 * each closed by the client first, so each leaves a TIME_WAIT socket for 60 s.
 */
export function timeWaitStorm(perS: number, lifeS: number): WorkloadSpec {
  return py('time-wait-storm', 'ks-twstorm', lifeS, `
import socket, threading
${loopbackServer(1024)}gap, nxt = 1.0 / ${perS}, time.monotonic()
while alive():
    try:
        s = socket.create_connection(addr, timeout=2)
        s.close()
    except OSError:
        time.sleep(0.1)
    nxt += gap
    d = nxt - time.monotonic()
    if d > 0: time.sleep(d)
    else: nxt = time.monotonic()
`);
}

/**
 * A leak in a container: a child that joins the capped memory cgroup and grows by
 * `mbPerS` MiB a second (touched, so it is resident) until the cgroup's OOM killer
 * ends it; the parent (outside the cgroup) starts it again two seconds later.
 */
export function memoryGrower(cgroupProcs: string, mbPerS: number, lifeS: number): WorkloadSpec {
  return py('memory-grower', 'ks-memgrow', lifeS, `
while alive():
    pid = os.fork()
    if pid == 0:
        parent = os.getppid()
${joinCgroup(cgroupProcs).replace(/^/gm, '        ').trimEnd()}
        chunks = []
        while alive():
            m = mmap.mmap(-1, ${mbPerS} << 20)
            for off in range(0, len(m), mmap.PAGESIZE): m[off] = 1
            chunks.append(m)
            time.sleep(1)
        os._exit(0)
    while alive():
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done: break
        time.sleep(0.2)
    time.sleep(2)
`);
}

/**
 * A lock convoy: `n` worker processes taking one flock in turn, each holding it
 * for `holdMs` of CPU work; every other worker waits in flock() meanwhile.
 */
export function lockStorm(lockFile: string, n: number, holdMs: number, lifeS: number): WorkloadSpec {
  return py('lock-storm', 'ks-lockstorm', lifeS, `
import fcntl
${forkWorkers(n, `fd = os.open(${JSON.stringify(lockFile)}, os.O_RDWR | os.O_CREAT, 0o600)
while alive():
    fcntl.flock(fd, fcntl.LOCK_EX)
    end = time.perf_counter() + ${holdMs / 1000}
    while time.perf_counter() < end: pass
    fcntl.flock(fd, fcntl.LOCK_UN)`)}`);
}
