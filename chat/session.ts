// One chat session: a line in, a reply out. Slash commands are answered from the
// database (and /approve, /undo through the agent's executor); questions go to the
// model when there is one, else to the rules. If the model fails, the rules answer
// and the reply says so.
import type { Db } from '../lib/db.js';
import { ModelError } from '../lib/llm/errors.js';
import type { Logger } from '../lib/logger.js';
import { escapeUntrusted } from '../lib/sanitize.js';
import { approve, undo, type OperatorConfig } from '../agent/executor/operator-commands.js';
import { HELP, parseCommand } from './commands/index.js';
import { actions, incidents, signals } from './commands/lists.js';
import { status } from './commands/status.js';
import type { ModelChat } from './llm/model-chat.js';
import { answerByRules } from './rules/answer.js';
import { detectIntents } from './rules/intents.js';
import { nowS } from '../lib/time.js';
import { windowFromText, type TimeWindow } from '../lib/time-window.js';
import type { ToolContext } from './tools/types.js';

export interface Reply { readonly text: string; readonly quit?: boolean }

export interface SessionDeps {
  readonly db: Db;
  readonly log: Logger;
  readonly operator: OperatorConfig;
  readonly model?: ModelChat;
  /** Why the rules answer when there is no model (default: no GEMINI_API_KEY). */
  readonly rulesReason?: string;
  readonly nowS?: () => number;
  /** --since/--until: the window of every question that names none itself. */
  readonly window?: TimeWindow | null;
}

export class ChatSession {
  private readonly now: () => number;

  constructor(private readonly d: SessionDeps) {
    this.now = d.nowS ?? nowS;
  }

  get mode(): string {
    return this.d.model ? `model ${this.d.model.opts.model} with read-only tools (rules if it fails)` : `built-in rules (${this.d.rulesReason ?? 'no GEMINI_API_KEY'})`;
  }

  async handle(line: string, signal?: AbortSignal): Promise<Reply> {
    const cmd = parseCommand(line);
    if (!cmd) return { text: await this.answer(line.trim(), signal) };
    const db = this.d.db;
    switch (cmd.kind) {
      case 'help': return { text: HELP };
      case 'quit': return { text: '', quit: true };
      case 'status': return { text: status(db, this.now(), this.mode) };
      case 'signals': return { text: signals(db, this.now(), cmd.all) };
      case 'actions': return { text: actions(db, cmd.n) };
      case 'incidents': return { text: incidents(db, this.now(), cmd.id) };
      case 'approve':
      case 'undo':
        if (cmd.id === null) return { text: `Usage: /${cmd.kind} <id>, the decision id shown by /actions (got ${JSON.stringify(escapeUntrusted(cmd.raw, 30))}).` };
        this.d.log.info(`/${cmd.kind} ${cmd.id}`);
        return { text: cmd.kind === 'approve' ? await approve(this.d.operator, cmd.id, signal) : await undo(this.d.operator, cmd.id) };
      case 'unknown': return { text: `Unknown command /${escapeUntrusted(cmd.name, 30)}.\n${HELP}` };
    }
  }

  async answer(question: string, signal?: AbortSignal): Promise<string> {
    if (!question) return '';
    const ctx: ToolContext = { db: this.d.db, nowS: this.now, signal };
    // A time in the question wins over --since/--until.
    const window = windowFromText(question, this.now()) ?? this.d.window ?? null;
    this.d.log.info('question', { chars: question.length, intents: detectIntents(question), mode: this.d.model ? 'model' : 'rules', ...(window ? { window: [window.fromS, window.toS] } : {}) });
    if (this.d.model) {
      try {
        const a = await this.d.model.ask(ctx, question, signal, window);
        return `${a.text}\n(answered by ${a.model})`;
      } catch (e) {
        const why = e instanceof ModelError ? e.message : 'model request failed';
        this.d.log.warn(`model failed, answering by rules: ${why}`);
        return `(The model could not answer: ${why}. This answer comes from the built-in rules.)\n${await answerByRules(ctx, question, window)}`;
      }
    }
    return answerByRules(ctx, question, window);
  }
}
