// The interactive loop. On a terminal: a prompt, line editing and history
// (persisted across sessions), Ctrl-C cancels the answer in progress, Ctrl-D or
// /quit leaves. With piped stdin: each line is answered in order, no prompt, and
// the loop ends at end of input — so scripts can feed it questions.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { ChatSession } from './session.js';
import { terminalSafe } from './terminal.js';

export interface ReplOptions {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
  readonly historyFile?: string;
  readonly historySize?: number;
  readonly banner: string;
}

function loadHistory(file: string | undefined, size: number): string[] {
  if (!file) return [];
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    if (lines.length > size * 2) fs.writeFileSync(file, `${lines.slice(-size).join('\n')}\n`, { mode: 0o600 });
    return lines.slice(-size).reverse(); // readline wants newest first
  } catch {
    return [];
  }
}

function saveLine(file: string | undefined, line: string): void {
  if (!file) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, `${line.replace(/[\r\n]/g, ' ')}\n`, { mode: 0o600 });
  } catch { /* history is a convenience; never fail a question over it */ }
}

export async function runRepl(session: ChatSession, o: ReplOptions): Promise<void> {
  const tty = Boolean(o.input.isTTY && o.output.isTTY);
  const size = o.historySize ?? 500;
  const rl = readline.createInterface({
    input: o.input,
    output: tty ? o.output : undefined,
    terminal: tty,
    history: tty ? loadHistory(o.historyFile, size) : [],
    historySize: size,
    removeHistoryDuplicates: true,
    prompt: 'kernelsight> ',
  });
  const write = (s: string) => o.output.write(s);
  let current: AbortController | null = null;
  rl.on('SIGINT', () => {
    if (current) { current.abort(); write('\n(cancelled)\n'); return; }
    rl.close();
  });
  if (tty) { write(`${o.banner}\n`); rl.prompt(); }
  for await (const line of rl) {
    if (line.trim() === '') { if (tty) rl.prompt(); continue; }
    if (tty) saveLine(o.historyFile, line);
    current = new AbortController();
    let reply;
    try {
      reply = await session.handle(line, current.signal);
    } catch (e) {
      reply = { text: `Error: ${(e as Error).message}` };
    } finally {
      current = null;
    }
    if (reply.quit) break;
    if (reply.text) write(`${terminalSafe(reply.text)}\n\n`);
    if (tty) rl.prompt();
  }
  rl.close();
}
