// Time windows from what people type: "at 03:10", "around 18:22", "yesterday
// 14:00–14:30", ISO timestamps, "in the last hour", "this morning", "10 minutes
// ago", and the --since/--until flags. Times are the host's local time zone unless
// the text gives an offset. Every reader that answers about the past (chat, the
// incidents CLI, later the dashboard and MCP) resolves its window here, and says
// which one it used.

import { ago, isoLocal } from './time.js';

export interface TimeWindow {
  /** Epoch seconds, from <= to. */
  readonly fromS: number;
  readonly toS: number;
  /** What the window came from, as typed ("around 18:22", "--since 1h"). */
  readonly source: string;
}

/** How far either side of a point in time "at" and "around" reach. */
const AT_SLACK_S = 5 * 60;
const AROUND_SLACK_S = 15 * 60;

const UNIT_S: Readonly<Record<string, number>> = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
};
const WORD_N: Readonly<Record<string, number>> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, ten: 10, fifteen: 15, twenty: 20, thirty: 30 };
const UNIT = '(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)';
const N = '(\\d+(?:\\.\\d+)?|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty)';
/** 14:30, 2:30pm, 2pm, 14.30 is not taken (a version number looks like it). */
const CLOCK = '(\\d{1,2})(?::(\\d{2}))?(?::(\\d{2}))?\\s*(am|pm)?';
const ISO = '(\\d{4}-\\d{2}-\\d{2})[t ](\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?)(z|[+-]\\d{2}:?\\d{2})?';

const num = (s: string) => WORD_N[s] ?? Number(s);

function startOfDay(tsS: number, daysBack = 0): number {
  const d = new Date(tsS * 1000);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - daysBack);
  return d.getTime() / 1000;
}

/** Local clock time on the day starting at dayS (DST-safe: built from the calendar, not by adding seconds). */
function atClock(dayS: number, h: number, m: number, s = 0): number {
  const d = new Date(dayS * 1000);
  d.setHours(h, m, s, 0);
  return d.getTime() / 1000;
}

function clockParts(hS: string, mS: string | undefined, sS: string | undefined, ampm: string | undefined): [number, number, number] | null {
  let h = Number(hS);
  const m = mS === undefined ? 0 : Number(mS);
  const s = sS === undefined ? 0 : Number(sS);
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm === 'pm' ? 12 : 0);
  }
  if (h > 23 || m > 59 || s > 59) return null;
  return [h, m, s];
}

function isoToS(date: string, time: string, zone: string | undefined): number | null {
  const z = zone === undefined ? '' : zone === 'z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const [h, ...rest] = time.split(':');
  const t = Date.parse(`${date}T${h!.padStart(2, '0')}:${rest.join(':')}${z}`);
  return Number.isFinite(t) ? t / 1000 : null;
}

/**
 * A clock time without a date: on `day` when given (0 today, 1 yesterday), else
 * its latest occurrence that is not in the future ("at 23:50" asked at 00:10 means
 * yesterday).
 */
function resolveClock(parts: [number, number, number], nowS: number, day: number | undefined): number {
  if (day !== undefined) return atClock(startOfDay(nowS, day), ...parts);
  const today = atClock(startOfDay(nowS), ...parts);
  return today <= nowS + 60 ? today : atClock(startOfDay(nowS, 1), ...parts);
}

const dayOf = (word: string | undefined): number | undefined => (word === 'yesterday' ? 1 : word === 'today' ? 0 : undefined);

const clip = (w: TimeWindow, nowS: number): TimeWindow => ({ ...w, toS: Math.min(w.toS, Math.max(w.fromS, nowS)) });

/** A time window named in free text, or null when the text names none. */
export function windowFromText(text: string, nowS: number): TimeWindow | null {
  const q = text.toLowerCase().replace(/[–—]/g, '-');
  const found = (m: RegExpMatchArray | null): string => (m ? m[0].trim() : '');
  let m: RegExpMatchArray | null;

  // Two ISO timestamps: a range.
  if ((m = q.match(new RegExp(`${ISO}\\s*(?:-|to|until|and)\\s*${ISO}`)))) {
    const a = isoToS(m[1]!, m[2]!, m[3]), b = isoToS(m[4]!, m[5]!, m[6]);
    if (a !== null && b !== null) return { fromS: Math.min(a, b), toS: Math.max(a, b), source: found(m) };
  }
  // One ISO timestamp: a point, "around" it if the text says so.
  if ((m = q.match(new RegExp(`(around|about|near|approximately|~)?\\s*(?:at\\s+)?${ISO}`)))) {
    const t = isoToS(m[2]!, m[3]!, m[4]);
    if (t !== null) { const slack = m[1] ? AROUND_SLACK_S : AT_SLACK_S; return { fromS: t - slack, toS: t + slack, source: found(m) }; }
  }
  // A clock range, optionally on a named day: "yesterday 14:00-14:30", "between 2pm and 3pm".
  if ((m = q.match(new RegExp(`(yesterday|today)?\\s*(?:between|from)?\\s*\\b${CLOCK}\\s*(?:-|to|until|and)\\s*${CLOCK}\\b\\s*(yesterday|today)?`)))) {
    const a = clockParts(m[2]!, m[3], m[4], m[5] ?? m[9]), b = clockParts(m[6]!, m[7], m[8], m[9]);
    const explicit = m[3] !== undefined || m[5] !== undefined || m[7] !== undefined || m[9] !== undefined;
    if (a && b && explicit) {
      const day = dayOf(m[1] ?? m[10]);
      const from = resolveClock(a, nowS, day);
      let to = atClock(startOfDay(from), ...b);
      if (to < from) to = atClock(startOfDay(from, -1), ...b); // 23:30-00:30
      return { fromS: from, toS: to, source: found(m) };
    }
  }
  // A point on the clock: "at 03:10", "around 18:22", "yesterday at 2pm".
  if ((m = q.match(new RegExp(`(yesterday|today)?\\s*\\b(at|around|about|near|approximately|~)\\s*${CLOCK}\\b\\s*(yesterday|today)?`)))
    || (m = q.match(new RegExp(`(yesterday|today)?\\s*()\\b${'(\\d{1,2}):(\\d{2})(?::(\\d{2}))?\\s*(am|pm)?'}\\b\\s*(yesterday|today)?`)))) {
    const parts = clockParts(m[3]!, m[4], m[5], m[6]);
    const explicit = m[4] !== undefined || m[6] !== undefined;
    if (parts && explicit) {
      const t = resolveClock(parts, nowS, dayOf(m[1] ?? m[7]));
      const slack = m[2] && m[2] !== 'at' ? AROUND_SLACK_S : AT_SLACK_S;
      return { fromS: t - slack, toS: t + slack, source: found(m) };
    }
  }
  // "in the last hour", "over the past 30 minutes", "last 2h".
  if ((m = q.match(new RegExp(`\\b(?:last|past|previous)\\s+(?:${N}\\s*)?${UNIT}\\b`)))) {
    const n = m[1] === undefined ? 1 : num(m[1]);
    return { fromS: nowS - n * UNIT_S[m[2]!]!, toS: nowS, source: found(m) };
  }
  // "10 minutes ago": a point, at-slack around it.
  if ((m = q.match(new RegExp(`\\b${N}\\s*${UNIT}\\s+ago\\b`)))) {
    const t = nowS - num(m[1]!) * UNIT_S[m[2]!]!;
    return clip({ fromS: t - AT_SLACK_S, toS: t + AT_SLACK_S, source: found(m) }, nowS);
  }
  // Parts of a day.
  const PARTS: ReadonlyArray<readonly [RegExp, number, number, number]> = [
    [/\bthis morning\b/, 0, 6, 12], [/\bthis afternoon\b/, 0, 12, 18], [/\b(?:this evening|tonight)\b/, 0, 18, 24],
    [/\blast night\b/, 1, 18, 30], [/\byesterday morning\b/, 1, 6, 12], [/\byesterday afternoon\b/, 1, 12, 18],
    [/\byesterday evening\b/, 1, 18, 24], [/\byesterday\b/, 1, 0, 24], [/\btoday\b/, 0, 0, 24],
  ];
  for (const [re, back, h0, h1] of PARTS) {
    if ((m = q.match(re))) {
      const day = startOfDay(nowS, back);
      const to = h1 >= 24 ? atClock(startOfDay(day, -1), h1 - 24, 0) : atClock(day, h1, 0);
      return clip({ fromS: atClock(day, h0, 0), toS: to, source: found(m) }, nowS);
    }
  }
  return null;
}

/** One edge for --since / --until: "1h", "30m", "2 hours ago", "14:00", "yesterday 14:00", an ISO time. */
export function parseTimeArg(arg: string, nowS: number): number {
  const a = arg.trim().toLowerCase();
  let m: RegExpMatchArray | null;
  if ((m = a.match(new RegExp(`^${N}\\s*${UNIT}(?:\\s+ago)?$`)))) return nowS - num(m[1]!) * UNIT_S[m[2]!]!;
  if (a === 'now') return nowS;
  if ((m = a.match(new RegExp(`^${ISO}$`)))) {
    const t = isoToS(m[1]!, m[2]!, m[3]);
    if (t !== null) return t;
  }
  if ((m = a.match(/^\d{4}-\d{2}-\d{2}$/))) {
    const t = Date.parse(`${a}T00:00`);
    if (Number.isFinite(t)) return t / 1000;
  }
  if ((m = a.match(new RegExp(`^(yesterday|today)?\\s*(?:at\\s+)?${CLOCK}$`)))) {
    const parts = clockParts(m[2]!, m[3], m[4], m[5]);
    if (parts && (m[3] !== undefined || m[5] !== undefined)) return resolveClock(parts, nowS, dayOf(m[1]));
  }
  if (a === 'yesterday' || a === 'today') return startOfDay(nowS, dayOf(a));
  throw new RangeError(`cannot read ${JSON.stringify(arg)} as a time: use e.g. 1h, 30m, "2 hours ago", 14:00, "yesterday 14:00" or 2026-12-01T14:00`);
}

/** The window of --since/--until (either may be missing: since defaults to 1 h before until, until to now). */
export function windowFromFlags(since: string | undefined, until: string | undefined, nowS: number): TimeWindow | null {
  if (since === undefined && until === undefined) return null;
  const toS = until === undefined ? nowS : parseTimeArg(until, nowS);
  const fromS = since === undefined ? toS - 3600 : parseTimeArg(since, nowS);
  if (!(fromS < toS)) throw new RangeError(`--since (${since ?? '1 h before --until'}) must be before --until (${until ?? 'now'})`);
  return { fromS, toS, source: [since !== undefined ? `--since ${since}` : '', until !== undefined ? `--until ${until}` : ''].filter(Boolean).join(' ') };
}

/** "2026-12-02T18:07:00+00:00 to 2026-12-02T18:37:00+00:00 (30 min, from "around 18:22")". */
export function describeWindow(w: TimeWindow): string {
  return `${isoLocal(w.fromS)} to ${isoLocal(w.toS)} (${ago(w.toS - w.fromS)}${w.source ? `, from "${w.source}"` : ''})`;
}
