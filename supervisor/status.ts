// Foreground status. On a terminal: a compact live view redrawn in place (each
// component, its state and restarts, events/s, open signals, dropped lines, the
// agent's last action, the last few notable events). Without a terminal
// (systemd, a pipe): every state change as one plain line, and a summary line
// every --status-interval seconds.
import { stateWord, type ComponentStatus } from '../lib/supervisor-state.js';
import type { DbFigures } from './status-db.js';

export interface StatusFacts {
  readonly children: readonly ComponentStatus[];
  readonly db: DbFigures;
  readonly dropped: number;
  readonly startedAt: number;
  readonly dbPath: string;
  readonly now: number;
}

const COLOR: Partial<Record<ComponentStatus['state'], string>> = {
  up: '\x1b[32m', backoff: '\x1b[33m', unavailable: '\x1b[33m', 'not-installed': '\x1b[2m', failed: '\x1b[31m', stopping: '\x1b[36m', stopped: '\x1b[2m',
};
const RESET = '\x1b[0m';

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return `${hh > 0 ? `${hh}h` : ''}${String(mm).padStart(hh > 0 ? 2 : 1, '0')}m${String(s % 60).padStart(2, '0')}s`;
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '?' : n.toFixed(digits);
}

function figures(f: StatusFacts): string {
  return `events/s ${fmt(f.db.eventsPerSec, 1)}   open signals ${fmt(f.db.openSignals)}   dropped lines ${f.dropped}   last agent action: ${f.db.lastAction ?? '-'}`;
}

function detail(c: ComponentStatus, now: number): string {
  switch (c.state) {
    case 'up': return `pid ${c.pid}  up ${c.upSince !== undefined ? duration(now - c.upSince) : '?'}`;
    case 'backoff': return `restarting (${c.reason ?? ''})`;
    case 'unavailable': case 'failed': case 'not-installed': return `${c.reason ?? ''}${c.fix ? ` — fix: ${c.fix}` : ''}`;
    default: return '';
  }
}

/** The live view's lines (colors only on the state word), cut to the terminal width. */
export function renderLive(f: StatusFacts, notes: readonly string[], width: number): string[] {
  const cut = (s: string): string => (s.length > width ? `${s.slice(0, Math.max(0, width - 1))}…` : s);
  const lines = [cut(`KernelSight  up ${duration(f.now - f.startedAt)}  db ${f.dbPath}  (Ctrl-C stops)`)];
  for (const c of f.children) {
    const state = stateWord(c).padEnd(13);
    const row = cut(`  ${c.name.padEnd(11)} ${state} restarts ${String(c.restarts).padEnd(3)} ${detail(c, f.now)}`);
    const color = COLOR[c.state];
    lines.push(color ? row.replace(state, `${color}${state}${RESET}`) : row);
  }
  lines.push(cut(`  ${figures(f)}`));
  for (const n of notes) lines.push(cut(`  · ${n}`));
  return lines;
}

/** One plain summary line. */
export function renderPlain(f: StatusFacts): string {
  const parts = f.children.map((c) => `${c.name}=${stateWord(c)}${c.restarts ? `(restarts ${c.restarts})` : ''}`);
  // A component given up on needs a person: its last error goes on the line too.
  const failed = f.children.filter((c) => c.state === 'failed').map((c) => ` | ${c.name} FAILED: ${c.reason ?? 'no error recorded'}`);
  return `status: ${parts.join(' ')} | ${figures(f)}${failed.join('')}`;
}

export class StatusView {
  private notes: string[] = [];
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly facts: () => StatusFacts,
    private readonly opts: { readonly tty: boolean; readonly plainEveryMs: number; readonly liveEveryMs?: number },
  ) {}

  start(): void {
    if (this.opts.tty) this.out.write('\x1b[?25l'); // hide the cursor while redrawing
    this.timer = setInterval(() => this.tick(), this.opts.tty ? this.opts.liveEveryMs ?? 1000 : this.opts.plainEveryMs);
    this.timer.unref();
    if (this.opts.tty) this.draw(); // plain mode: the first status line after one interval
  }

  /** A notable event (state change): a plain line, or a line in the live view. */
  note(text: string): void {
    const stamp = new Date().toTimeString().slice(0, 8);
    if (!this.opts.tty) {
      this.out.write(`${new Date().toISOString()} ${text}\n`);
      return;
    }
    this.notes.push(`${stamp} ${text}`);
    if (this.notes.length > 4) this.notes.shift();
    if (this.timer) this.draw();
  }

  /** Final picture, cursor back, view ends. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.opts.tty) {
      this.draw();
      this.out.write('\x1b[?25h');
    } else {
      this.out.write(`${new Date().toISOString()} ${renderPlain(this.facts())}\n`);
    }
  }

  private tick(): void {
    if (this.opts.tty) {
      this.draw();
      return;
    }
    this.out.write(`${new Date().toISOString()} ${renderPlain(this.facts())}\n`);
  }

  private draw(): void {
    const lines = renderLive(this.facts(), this.notes, (this.out.columns || 100) - 1);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.out.write(`${up}\x1b[J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
