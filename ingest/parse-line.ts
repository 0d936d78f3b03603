// One input line → a validated event, or a reject with a bounded error code.
import { isUtf8 } from 'node:buffer';
import { EventError, validateEvent, type KsEvent, type RejectCode } from '../lib/events.js';

export type ParseResult =
  | { ok: true; event: KsEvent }
  | { ok: false; code: RejectCode; error: string; type?: string };

export function parseLine(line: Buffer, nowS: number): ParseResult {
  if (!isUtf8(line)) return { ok: false, code: 'invalid_utf8', error: 'line is not valid UTF-8' };
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'bad_json', error: (e as Error).message.slice(0, 200) };
  }
  try {
    return { ok: true, event: validateEvent(value, nowS) };
  } catch (e) {
    if (!(e instanceof EventError)) throw e;
    const t = (value as { type?: unknown } | null)?.type;
    return { ok: false, code: e.code, error: e.message, type: typeof t === 'string' ? t.slice(0, 32) : undefined };
  }
}

/** A printable, bounded sample of a rejected line for the quarantine table. */
export function sampleOf(line: Buffer, max = 512): string {
  const head = line.subarray(0, max);
  // latin1 keeps every byte visible one-to-one, even for invalid UTF-8 or binary.
  const text = isUtf8(head) ? head.toString('utf8') : head.toString('latin1');
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    + (line.length > max ? `...(${line.length} bytes)` : '');
}
