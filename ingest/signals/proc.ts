// The two /proc look-ups classifiers need: a process's identity (pid, start time)
// for tracer events that carry only a pid, and what kind of thing an fd is. Both
// are cached briefly: a burst of slow calls from one process costs one read.
import fs from 'node:fs';
import { readPidStat } from '../../lib/procfs/pid.js';
import { dedupKey, type Entity } from './signal.js';
import type { FdKind } from './classifiers/syscall-classes.js';

export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); 0 when the process is gone. */
  readonly startTime: number;
  readonly comm: string;
}

const TTL_MS = 30_000;
const MAX_ENTRIES = 4096;
const identities = new Map<number, { id: ProcessIdentity; at: number }>();
const fds = new Map<string, { kind: FdKind; at: number }>();
const processKeys = new Map<number, { startTime: number; keys: Map<string, string> }[]>();

/** Identity of a live process, or `<pid>:0` with the given comm when it has exited. */
export function processIdentity(pid: number, comm = '', nowMs = Date.now()): ProcessIdentity {
  const hit = identities.get(pid);
  if (hit && nowMs - hit.at < TTL_MS) return hit.id;
  const st = readPidStat(pid);
  // Exited: startTime 0.
  const id: ProcessIdentity = st ? { pid, startTime: st.startTime, comm: comm || st.comm } : { pid, startTime: 0, comm };
  remember(identities, pid, { id, at: nowMs });
  return id;
}

export function processEntity(pid: number, startTime: number, comm: string): Entity {
  return { type: 'process', id: `${pid}:${startTime}`, name: comm };
}

/**
 * dedupKey(type, processEntity(pid, startTime, ...)), cached: built for every slow
 * call and every per-process sample, mostly for the same few processes.
 */
export function processKey(type: string, pid: number, startTime: number): string {
  let known = processKeys.get(pid);
  if (known === undefined) {
    if (processKeys.size >= MAX_ENTRIES) processKeys.clear();
    processKeys.set(pid, known = []);
  }
  // Usually one start time per pid; a few when the pid is reused or seen both alive and gone (0).
  let keys: Map<string, string> | undefined;
  for (let i = 0; i < known.length && keys === undefined; i++) if (known[i].startTime === startTime) keys = known[i].keys;
  if (keys === undefined) {
    if (known.length >= 4) known.shift();
    keys = new Map();
    known.push({ startTime, keys });
  }
  let key = keys.get(type);
  if (key === undefined) {
    key = dedupKey(type, processEntity(pid, startTime, ''));
    keys.set(type, key);
  }
  return key;
}

/** What fd `fd` of `pid` is: a regular file or block device means real disk I/O. */
export function fdKind(pid: number, fd: number, nowMs = Date.now()): FdKind {
  if (fd < 0) return 'unknown';
  const key = `${pid}:${fd}`;
  const hit = fds.get(key);
  if (hit && nowMs - hit.at < 5_000) return hit.kind;
  let kind: FdKind = 'unknown';
  try {
    const st = fs.statSync(`/proc/${pid}/fd/${fd}`);
    kind = st.isFile() ? 'file' : st.isBlockDevice() ? 'block' : st.isSocket() ? 'socket'
      : st.isFIFO() ? 'pipe' : st.isCharacterDevice() ? 'char' : 'other';
  } catch { /* closed or exited */ }
  remember(fds, key, { kind, at: nowMs });
  return kind;
}

function remember<K, V>(m: Map<K, V>, k: K, v: V): void {
  if (m.size >= MAX_ENTRIES) m.delete(m.keys().next().value as K);
  m.delete(k);
  m.set(k, v);
}
