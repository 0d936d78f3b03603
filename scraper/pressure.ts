// /proc/pressure/{cpu,memory,io}: the kernel's own stall averages, plus the
// `total` stall counter (µs) turned into stalled milliseconds per second, and
// the counters themselves (the exports' *_seconds_total, as node_exporter's).
import fs from 'node:fs';
import { makeEvent, type EventOf, type KsEvent } from '../lib/events.js';
import { parsePressure, PSI_RESOURCES, type Psi, type PsiResource } from '../lib/procfs/pressure.js';
import { CounterSet, round, type Deltas } from './rates.js';
import { isUnavailable, join, readText, type SampleTime, type Source, type SourceContext } from './source.js';

export function psiFields(resource: PsiResource, psi: Psi, deltas: Deltas<'some_total'>): Omit<EventOf<'psi'>, 'v' | 'type' | 'ts'> {
  const fields: Omit<EventOf<'psi'>, 'v' | 'type' | 'ts'> = {
    resource,
    some_avg10: psi.some.avg10,
    some_avg60: psi.some.avg60,
    some_avg300: psi.some.avg300,
    // total is in µs: µs per s / 1000 = ms per s (1000 = stalled the whole time).
    some_stall_ms_per_s: round(deltas.d.some_total / 1000 / deltas.interval_s, 3),
    some_total_us: psi.some.total,
  };
  if (psi.full) {
    fields.full_total_us = psi.full.total;
    fields.full_avg10 = psi.full.avg10;
    fields.full_avg60 = psi.full.avg60;
    fields.full_avg300 = psi.full.avg300;
  }
  return fields;
}

export class PressureSource implements Source {
  readonly name = 'pressure';
  private readonly counters = new CounterSet<'some_total'>();
  constructor(private readonly ctx: SourceContext) {}

  sample(now: SampleTime): KsEvent[] {
    const dir = join(this.ctx.procRoot, 'pressure');
    // No directory at all (CONFIG_PSI off or psi=0): let the loop report the source once.
    fs.accessSync(dir, fs.constants.R_OK);
    const events: KsEvent[] = [];
    for (const resource of PSI_RESOURCES) {
      let text: string;
      try {
        text = readText(join(dir, resource));
      } catch (err) {
        if (!isUnavailable(err) && (err as { code?: string }).code !== 'EOPNOTSUPP') throw err;
        this.ctx.warnOnce(`psi-${resource}`, `${join(dir, resource)} unreadable (${(err as Error).message}): no ${resource} pressure`);
        continue;
      }
      const psi = parsePressure(text);
      const deltas = this.counters.update(resource, { some_total: psi.some.total }, now.mono);
      if (deltas) events.push(makeEvent('psi', psiFields(resource, psi, deltas), now.ts));
    }
    return events;
  }
}
