// Running sums per label set: the state behind one counter family, fed by the
// rows a RowFeed returns (lib/read-model/row-feed.ts).
export class Sums {
  private readonly byKey = new Map<string, { labels: Record<string, string>; value: number }>();

  add(labels: Record<string, string>, amount: number): void {
    if (!Number.isFinite(amount) || amount <= 0) return;
    const key = JSON.stringify(labels);
    const e = this.byKey.get(key);
    if (e) e.value += amount;
    else this.byKey.set(key, { labels, value: amount });
  }

  /** Make a label set show (at 0) before anything was counted for it. */
  touch(labels: Record<string, string>): void {
    const key = JSON.stringify(labels);
    if (!this.byKey.has(key)) this.byKey.set(key, { labels, value: 0 });
  }

  samples(): Array<{ labels: Record<string, string>; value: number }> {
    return [...this.byKey.values()];
  }
}
