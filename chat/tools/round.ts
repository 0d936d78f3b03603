// Numbers in tool results: rounded so a model or a person reads them at a glance;
// a missing or non-finite value is null.
export const r2 = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
export const r4 = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10000) / 10000);
