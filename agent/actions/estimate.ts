// Small arithmetic shared by the actions' SIMULATE estimates.

export const r1 = (x: number) => Math.round(x * 10) / 10;

/** CFS weight of a nice level (1024 at 0, ~1.25x per step). */
export const niceWeight = (nice: number) => 1024 / Math.pow(1.25, nice);
