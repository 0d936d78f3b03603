// Slash commands. Everything else on a line is a question.
export const HELP = [
  'Ask a question in plain words ("what is wrong?", "why is it slow?", "how is memory?", "what did the agent do?"),',
  'about a time too ("why was the disk slow at 14:10?", "top memory users in the last hour"), or:',
  '  /status             collectors, open signals, the agent\'s last action, answer mode',
  '  /signals [all]      open signals (all: every signal of the last 24 h)',
  '  /actions [n]        the agent\'s last n decisions (default 10) with outcome and verification',
  '  /incidents [id]     incidents of the last 24 h, or one with its story and timeline',
  '  /approve <id>       run a decision the agent left for approval (the executor re-checks every rule)',
  '  /undo <id>          reverse an executed decision (through the executor)',
  '  /help               this text',
  '  /quit               leave (also Ctrl-D)',
].join('\n');

export type Command =
  | { readonly kind: 'status' }
  | { readonly kind: 'signals'; readonly all: boolean }
  | { readonly kind: 'actions'; readonly n: number }
  | { readonly kind: 'incidents'; readonly id: string | null }
  | { readonly kind: 'approve' | 'undo'; readonly id: number | null; readonly raw: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'unknown'; readonly name: string };

export function parseCommand(line: string): Command | null {
  const t = line.trim();
  if (!t.startsWith('/')) return null;
  const [name = '', ...rest] = t.slice(1).split(/\s+/);
  const arg = rest[0];
  switch (name.toLowerCase()) {
    case 'status': return { kind: 'status' };
    case 'signals': return { kind: 'signals', all: arg?.toLowerCase() === 'all' };
    case 'actions': {
      const n = arg && /^\d{1,3}$/.test(arg) ? Math.min(100, Math.max(1, Number(arg))) : 10;
      return { kind: 'actions', n };
    }
    case 'incidents': return { kind: 'incidents', id: arg && /^i?\d{1,12}$/i.test(arg) ? arg : null };
    case 'approve':
    case 'undo': {
      const id = arg && /^#?\d{1,12}$/.test(arg) ? Number(arg.replace('#', '')) : null;
      return { kind: name.toLowerCase() as 'approve' | 'undo', id, raw: arg ?? '' };
    }
    case 'help': case '?': return { kind: 'help' };
    case 'quit': case 'exit': case 'q': return { kind: 'quit' };
    default: return { kind: 'unknown', name };
  }
}
