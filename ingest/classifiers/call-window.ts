// The slow calls of one (process, class) within the last SYSCALL.windowS seconds,
// kept incrementally: a syscall burst adds thousands of calls a second, and
// re-filtering, sorting and counting the whole window for every call was most
// of ingest's time. Adding a call is O(1) amortised; the count and the worst call
// are known at once; the median and per-syscall counts are computed only from a
// snapshot, when a signal is actually written.
//
// Semantics (same as filtering the window on every call): a new call at `ts`
// drops every kept call with ts <= ts - windowS, joins, and the oldest calls
// (by arrival) beyond `cap` are dropped.

export interface WindowCall { readonly ts: number; readonly ms: number }

/** The window as it was when a call joined; stays valid while the window moves on. */
export interface WindowSnapshot<C extends WindowCall> {
  readonly calls: readonly C[];
  readonly start: number;
  readonly end: number;
  /** The first call with the highest latency. */
  readonly worst: C;
}

export class CallWindow<C extends WindowCall> {
  // calls[head..] are in the window. Entries are never overwritten in place (the
  // array is replaced when compacted), so snapshots can share it.
  private calls: C[] = [];
  private head = 0;
  /** Indexes into calls of worst-call candidates: latencies non-increasing, arrival order. */
  private maxq: number[] = [];
  private maxHead = 0;
  /** The kept calls' timestamps never decrease, so the expired ones are a prefix. */
  private ordered = true;

  constructor(private readonly windowS: number, private readonly cap: number) {}

  get size(): number {
    return this.calls.length - this.head;
  }

  /** Timestamp of the call that joined last. */
  get lastTs(): number {
    return this.calls[this.calls.length - 1].ts;
  }

  add(call: C): WindowSnapshot<C> {
    const since = call.ts - this.windowS;
    if (this.ordered) {
      while (this.head < this.calls.length && this.calls[this.head].ts <= since) this.head++;
      this.dropCandidatesBeforeHead();
    } else {
      this.refilter(since);
    }
    if (this.size > 0 && call.ts < this.lastTs) this.ordered = false;
    const idx = this.calls.length;
    this.calls.push(call);
    while (this.maxq.length > this.maxHead && this.calls[this.maxq[this.maxq.length - 1]].ms < call.ms) this.maxq.pop();
    this.maxq.push(idx);
    if (this.size > this.cap) {
      this.head = this.calls.length - this.cap;
      this.dropCandidatesBeforeHead();
    }
    if (this.head > 64 && this.head * 2 > this.calls.length) this.compact();
    return { calls: this.calls, start: this.head, end: this.calls.length, worst: this.calls[this.maxq[this.maxHead]] };
  }

  private dropCandidatesBeforeHead(): void {
    while (this.maxHead < this.maxq.length && this.maxq[this.maxHead] < this.head) this.maxHead++;
  }

  /** Out-of-order timestamps: filter the whole window, as a plain filter would. */
  private refilter(since: number): void {
    const kept: C[] = [];
    for (let i = this.head; i < this.calls.length; i++) if (this.calls[i].ts > since) kept.push(this.calls[i]);
    this.rebuild(kept);
  }

  private compact(): void {
    this.rebuild(this.calls.slice(this.head));
  }

  private rebuild(kept: C[]): void {
    this.calls = kept;
    this.head = 0;
    this.maxq = [];
    this.maxHead = 0;
    this.ordered = true;
    for (let i = 0; i < kept.length; i++) {
      if (i > 0 && kept[i].ts < kept[i - 1].ts) this.ordered = false;
      while (this.maxq.length > 0 && kept[this.maxq[this.maxq.length - 1]].ms < kept[i].ms) this.maxq.pop();
      this.maxq.push(i);
    }
  }
}

/** sorted(latencies)[floor(n / 2)] of a snapshot (the upper median). */
export function snapshotMedian(s: WindowSnapshot<WindowCall>): number {
  const ms = new Float64Array(s.end - s.start);
  for (let i = s.start; i < s.end; i++) ms[i - s.start] = s.calls[i].ms;
  ms.sort();
  return ms[Math.floor(ms.length / 2)];
}
