// The victims' own instruments. Each probe is an inline Python program (the agent
// leaves alone what names a repository file, and a probe must be touchable to make
// a wrong target possible) that does the kind of work its scenario's culprit hurts
// and writes, once a second, what that work cost it to an NDJSON file:
//   {"ts": <epoch s, window end>, "span_s": 1.0, "n": 812, "mean": 0.08, "p50": 0.06, "p99": 0.41, "max": 2.3, ...}
// Latencies are milliseconds. The numbers come from the probe itself, never from
// the agent, so VERIFY's opinion and the victim's experience can be compared.
import { pyGuard } from '../harness/workloads.js';
import type { WorkloadSpec } from '../harness/scope.js';

/** Python: a loopback listener (srv, addr) that accepts, reads a byte and closes, on a daemon thread. */
export const loopbackServer = (backlog: number): string => `srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(${backlog})
addr = srv.getsockname()
def serve():
    while True:
        c, _ = srv.accept()
        try: c.recv(1)
        except OSError: pass
        c.close()
threading.Thread(target=serve, daemon=True).start()
`;

const LIFE_S = 3600;

/** Window bookkeeping shared by every probe: record(ms), tick(extra) once per loop. */
const windows = (out: string): string => `
import json, math
OUT = open(${JSON.stringify(out)}, 'a', buffering=1)
_samples, _start = [], time.time()
def record(v): _samples.append(v)
def tick(extra=None):
    global _samples, _start
    now = time.time()
    if now - _start < 1.0: return
    s = sorted(_samples); n = len(s)
    line = {'ts': round(now, 3), 'span_s': round(now - _start, 3), 'n': n}
    if n:
        line.update(mean=round(sum(s) / n, 4), p50=round(s[n // 2], 4),
                    p99=round(s[min(n - 1, max(0, math.ceil(0.99 * n) - 1))], 4), max=round(s[-1], 4))
    if extra: line.update(extra())
    OUT.write(json.dumps(line) + '\\n')
    _samples, _start = [], now
`;

/** Join a cgroup (its cgroup.procs file) before touching any memory, so every charge lands there. */
export const joinCgroup = (procs: string | undefined): string =>
  procs ? `open(${JSON.stringify(procs)}, 'w').write(str(os.getpid()))\n` : '';

const py = (name: string, comm: string, out: string, body: string): WorkloadSpec =>
  ({ name, cmd: 'python3', args: ['-c', `${pyGuard(comm, LIFE_S)}${windows(out)}${body}`] });

/**
 * Scheduling delay: sleep 1 ms, record by how much the wake-up overshot. A task
 * that mostly sleeps is what a latency-sensitive service looks like to the
 * scheduler; CPU hogs show up as wake-ups that wait for a CPU.
 */
export function wakeupProbe(out: string): WorkloadSpec {
  return py('latency-probe', 'ks-latency', out, `
while alive():
    t = time.perf_counter()
    time.sleep(0.001)
    record((time.perf_counter() - t - 0.001) * 1000)
    tick()
`);
}

/**
 * Read latency: one 4 KiB O_DIRECT read at a random offset of `file` (made
 * beforehand) every 5 ms. O_DIRECT so every read goes to the device: the page
 * cache would hide the queue the culprit builds.
 */
export function directReadProbe(out: string, file: string): WorkloadSpec {
  return py('read-probe', 'ks-reader', out, `
import random
buf = mmap.mmap(-1, 4096)
fd = os.open(${JSON.stringify(file)}, os.O_RDONLY | os.O_DIRECT)
blocks = os.fstat(fd).st_size // 4096
while alive():
    off = random.randrange(blocks) * 4096
    t = time.perf_counter()
    os.preadv(fd, [buf], off)
    record((time.perf_counter() - t) * 1000)
    tick()
    time.sleep(0.005)
`);
}

/**
 * File-backed working set: map `file` and touch every page every `everyS` seconds;
 * record each pass's time and count the probe's own major faults (field 12 of
 * /proc/self/stat). Its pages stay cached unless someone evicts them. With
 * `cgroupProcs` it joins that memory cgroup first and drops the file's cached
 * pages, so its working set is charged (and can be evicted) there.
 */
export function pageTouchProbe(out: string, file: string, cgroupProcs?: string, everyS = 0.1): WorkloadSpec {
  return py('page-probe', 'ks-pagetouch', out, `${joinCgroup(cgroupProcs)}
def majflt(): return int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[9])
fd = os.open(${JSON.stringify(file)}, os.O_RDONLY)
size = os.fstat(fd).st_size
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
m = mmap.mmap(fd, size, prot=mmap.PROT_READ)
last = majflt()
def faults():
    global last
    now = majflt(); d, last = now - last, now
    return {'majflt': d}
while alive():
    t = time.perf_counter()
    for off in range(0, size, mmap.PAGESIZE):
        m[off]
    record((time.perf_counter() - t) * 1000)
    tick(faults)
    time.sleep(${everyS})
`);
}

/** A legitimate user of a shared lock: take `lockFile`'s flock ten times a second, record the wait. */
export function lockWaitProbe(out: string, lockFile: string): WorkloadSpec {
  return py('lock-probe', 'ks-lockwait', out, `
import fcntl
fd = os.open(${JSON.stringify(lockFile)}, os.O_RDWR | os.O_CREAT, 0o600)
while alive():
    t = time.perf_counter()
    fcntl.flock(fd, fcntl.LOCK_EX)
    record((time.perf_counter() - t) * 1000)
    fcntl.flock(fd, fcntl.LOCK_UN)
    tick()
    time.sleep(0.1)
`);
}

/**
 * Loopback connection setup: connect to its own listener twenty times a second,
 * record the connect time, count failures (port exhaustion shows up as
 * EADDRNOTAVAIL). It closes with RST (SO_LINGER 0) so it adds no TIME_WAIT itself.
 */
export function connectProbe(out: string): WorkloadSpec {
  return py('connect-probe', 'ks-connect', out, `
import socket, struct, threading
${loopbackServer(128)}errors = 0
def errs():
    global errors
    e, errors = errors, 0
    return {'errors': e}
while alive():
    t = time.perf_counter()
    try:
        s = socket.create_connection(addr, timeout=2)
        record((time.perf_counter() - t) * 1000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
    except OSError:
        errors += 1
    tick(errs)
    time.sleep(0.05)
`);
}

/** Fresh anonymous memory: map 16 MiB, touch every page, unmap, five times a second; record each round. */
export function memTouchProbe(out: string): WorkloadSpec {
  return py('mem-probe', 'ks-memtouch', out, `
size = 16 << 20
while alive():
    t = time.perf_counter()
    m = mmap.mmap(-1, size)
    for off in range(0, size, mmap.PAGESIZE):
        m[off] = 1
    m.close()
    record((time.perf_counter() - t) * 1000)
    tick()
    time.sleep(0.2)
`);
}
