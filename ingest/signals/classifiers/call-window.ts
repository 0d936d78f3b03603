// The slow calls of one (process, class) within the last SYSCALL.windowS seconds,
// kept incrementally: a syscall burst adds thousands of calls a second, and
// re-filtering, sorting and counting the whole window for every call was most of
// ingest's time. Calls live in one Float64Array (plus their interned names), not
// as objects, so keeping thousands of them for seconds costs the garbage
// collector nothing. Adding a call is O(1) amortised; the count and the worst
// call are known at once; the median and per-syscall counts are computed from a
// snapshot, only when a signal is actually written.
//
// Semantics (the same as filtering the window on every call): a new call at `ts`
// drops every kept call with ts <= ts - windowS, joins, and the oldest calls (by
// arrival) beyond `cap` are dropped. The worst call is the first with the highest
// latency.

import type { EventOf } from '../../../lib/events.js';

export interface SlowCall {
  readonly ts: number;
  readonly ms: number;
  readonly syscall: string;
  readonly tid: number;
  readonly fd?: number;
  readonly ret: number;
  readonly errno?: number;
  /** Raw row of the call. */
  readonly rowId: number;
}

// Field offsets of one call in `data`. fd and errno are NaN when absent.
const TS = 0, MS = 1, TID = 2, FD = 3, RET = 4, ERRNO = 5, ROW = 6, STRIDE = 7;

/**
 * The window as it was when a call joined: slots [start, end). The window never
 * writes over them (it moves to new arrays instead), so a snapshot stays valid
 * while later calls join.
 */
export interface WindowSnapshot {
  readonly data: Float64Array;
  readonly names: readonly string[];
  readonly start: number;
  readonly end: number;
  /** Slot of the first call with the highest latency. */
  readonly worst: number;
}

export class CallWindow {
  private data = new Float64Array(16 * STRIDE);
  private names: string[] = [];
  // Slots [head, end) are in the window.
  private head = 0;
  private end = 0;
  /** Slots of worst-call candidates: latencies non-increasing, in arrival order. */
  private cands: number[] = [];
  private candHead = 0;
  /** The kept calls' timestamps never decrease, so the expired ones are a prefix. */
  private ordered = true;

  constructor(private readonly windowS: number, private readonly cap: number) {}

  get size(): number {
    return this.end - this.head;
  }

  /** Timestamp of the call that joined last. */
  get lastTs(): number {
    return this.data[(this.end - 1) * STRIDE + TS];
  }

  /** Add a slow call (its raw row is `rowId`) and return the window as it is now. */
  add(call: EventOf<'syscall'>, rowId: number): WindowSnapshot {
    const since = call.ts - this.windowS;
    if (this.ordered) {
      while (this.head < this.end && this.data[this.head * STRIDE + TS] <= since) this.head++;
      this.dropCandidatesBeforeHead();
    } else {
      this.refilter(since);
    }
    if (this.size > 0 && call.ts < this.lastTs) this.ordered = false;
    if (this.end * STRIDE === this.data.length) this.relocate();
    const slot = this.end++;
    const o = slot * STRIDE;
    this.data[o + TS] = call.ts;
    this.data[o + MS] = call.latency_ms;
    this.data[o + TID] = call.tid;
    this.data[o + FD] = call.fd ?? Number.NaN;
    this.data[o + RET] = call.ret;
    this.data[o + ERRNO] = call.errno ?? Number.NaN;
    this.data[o + ROW] = rowId;
    this.names[slot] = intern(call.syscall);
    this.pushCandidate(slot);
    if (this.size > this.cap) {
      this.head = this.end - this.cap;
      this.dropCandidatesBeforeHead();
    }
    return { data: this.data, names: this.names, start: this.head, end: this.end, worst: this.cands[this.candHead] };
  }

  /** A call is never the worst again once a later, slower one has joined. */
  private pushCandidate(slot: number): void {
    const ms = this.data[slot * STRIDE + MS];
    while (this.cands.length > this.candHead && this.data[this.cands[this.cands.length - 1] * STRIDE + MS] < ms) this.cands.pop();
    this.cands.push(slot);
  }

  private dropCandidatesBeforeHead(): void {
    while (this.candHead < this.cands.length && this.cands[this.candHead] < this.head) this.candHead++;
    if (this.candHead > 32 && this.candHead * 2 > this.cands.length) {
      this.cands = this.cands.slice(this.candHead);
      this.candHead = 0;
    }
  }

  /** Out-of-order timestamps: filter the whole window, as a plain filter would. */
  private refilter(since: number): void {
    const { data, names, head, end } = this;
    this.alloc(Math.max(16, 2 * (end - head + 1)));
    this.cands = [];
    this.candHead = 0;
    this.ordered = true;
    for (let i = head; i < end; i++) {
      if (!(data[i * STRIDE + TS] > since)) continue;
      const slot = this.end++;
      this.data.set(data.subarray(i * STRIDE, (i + 1) * STRIDE), slot * STRIDE);
      this.names[slot] = names[i];
      if (slot > 0 && this.data[slot * STRIDE + TS] < this.data[(slot - 1) * STRIDE + TS]) this.ordered = false;
      this.pushCandidate(slot);
    }
  }

  /** The arrays are full: move the window to the start of new ones (snapshots keep the old). */
  private relocate(): void {
    const { data, names, head, end } = this;
    const n = end - head;
    this.alloc(Math.max(16, 2 * (n + 1)));
    this.data.set(data.subarray(head * STRIDE, end * STRIDE));
    for (let i = 0; i < n; i++) this.names[i] = names[head + i];
    this.end = n;
    for (let i = this.candHead; i < this.cands.length; i++) this.cands[i] -= head;
  }

  private alloc(capacity: number): void {
    this.data = new Float64Array(capacity * STRIDE);
    this.names = [];
    this.head = 0;
    this.end = 0;
  }
}

/** The call in `slot` of a snapshot. */
export function callAt(s: WindowSnapshot, slot: number): SlowCall {
  const o = slot * STRIDE;
  const num = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);
  return { ts: s.data[o + TS], ms: s.data[o + MS], syscall: s.names[slot], tid: s.data[o + TID], fd: num(s.data[o + FD]),
    ret: s.data[o + RET], errno: num(s.data[o + ERRNO]), rowId: s.data[o + ROW] };
}

/** sorted(latencies)[floor(n / 2)] of a snapshot (the upper median). */
export function snapshotMedian(s: WindowSnapshot): number {
  const ms = new Float64Array(s.end - s.start);
  for (let i = s.start; i < s.end; i++) ms[i - s.start] = s.data[i * STRIDE + MS];
  return select(ms, Math.floor(ms.length / 2));
}

/** The k-th smallest value (Hoare's quickselect: no full sort). Reorders `a`. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** How many calls of each syscall, in order of first appearance in the window. */
export function snapshotCounts(s: WindowSnapshot): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = s.start; i < s.end; i++) counts[s.names[i]] = (counts[s.names[i]] ?? 0) + 1;
  return counts;
}

/** Worst call's latency, without building the call. */
export const worstMs = (s: WindowSnapshot): number => s.data[s.worst * STRIDE + MS];

// Slots keep the name for seconds: one shared string per syscall, not one per event.
const interned = new Map<string, string>();
function intern(name: string): string {
  const known = interned.get(name);
  if (known !== undefined) return known;
  if (interned.size < 1024) interned.set(name, name);
  return name;
}
