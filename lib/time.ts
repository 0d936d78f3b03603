// Times in answers: ISO 8601 in the machine's local zone with its offset, so a
// person can match them against their own clock and against logs.
const pad = (n: number, w = 2) => String(Math.trunc(Math.abs(n))).padStart(w, '0');

/** Unix epoch seconds -> "2026-11-25T04:40:34+00:00" (local time). */
export function isoLocal(tsS: number): string {
  if (!Number.isFinite(tsS)) return 'unknown time';
  const d = new Date(Math.round(tsS * 1000));
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(off / 60)}:${pad(off % 60)}`;
}

/** A duration in words: "45 s", "12 min", "3.5 h". */
export function ago(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export const nowS = (): number => Date.now() / 1000;
