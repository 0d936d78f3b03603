// Prometheus histograms from the tracers' in-kernel log2 histograms: slot i counts
// latencies in [2^i, 2^(i+1)) ns (tracers/common/ks_hist.h), so each slot's upper
// edge is a bucket boundary and no sample is ever placed in the wrong bucket. The
// slots below 1 µs are merged into the first bucket, those past ~34 s into +Inf.
import { HIST_SLOTS } from '../lib/events.js';
import type { Labels, Sample } from './family.js';

/** Slots 0..FIRST_SLOT fall in the first bucket (le = 2^(FIRST_SLOT+1) ns ≈ 1 µs). */
const FIRST_SLOT = 9;
/** The last finite bucket is slot LAST_SLOT's upper edge (2^35 ns ≈ 34 s). */
const LAST_SLOT = 34;

export class Log2Histogram {
  readonly slots = new Array<number>(HIST_SLOTS).fill(0);
  count = 0;
  sumSeconds = 0;

  /** Add one interval's slots; `sumNs` when the tracer knows it, else each slot counts at its midpoint (1.5 × 2^i). */
  add(slots: readonly number[], sumNs?: number): void {
    let n = 0, mid = 0;
    slots.forEach((c, i) => {
      if (i >= HIST_SLOTS || !(c > 0)) return;
      this.slots[i]! += c;
      n += c;
      mid += c * 1.5 * 2 ** i;
    });
    this.count += n;
    this.sumSeconds += (sumNs ?? mid) / 1e9;
  }

  samples(labels: Labels = {}): Sample[] {
    const out: Sample[] = [];
    let cum = 0;
    for (let i = 0; i <= LAST_SLOT; i++) {
      cum += this.slots[i]!;
      if (i < FIRST_SLOT) continue;
      out.push({ labels: { ...labels, le: String(2 ** (i + 1) / 1e9) }, value: cum, suffix: '_bucket' });
    }
    out.push({ labels: { ...labels, le: '+Inf' }, value: this.count, suffix: '_bucket' });
    out.push({ labels, value: this.sumSeconds, suffix: '_sum' });
    out.push({ labels, value: this.count, suffix: '_count' });
    return out;
  }
}

export function parseSlots(text: unknown): number[] | null {
  if (typeof text !== 'string') return null;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) && v.every((n) => typeof n === 'number') ? v : null;
  } catch { return null; }
}
