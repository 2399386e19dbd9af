/**
 * A chat session, independent of any screen: the conversation so far, the backend and model in use, the
 * incognito switch, and the slash commands. The Ink screen and the line mode both drive one of these.
 * Each exchange goes through ask(), so it is answered with the user's context and remembered the same way;
 * it is learned from in the background, and what was learned is shown before the next message (`learned`).
 */
import type { Config } from "../../config/index.ts";
import { PaiError } from "../../kernel/errors.ts";
import { ask, LocalAnswers, type AskResult } from "../ask.ts";
import { learningNotices, noticeLine } from "../learner.ts";
import { assembleContext } from "../../context/index.ts";
import { openMemory, type MemoryStore } from "../../memory/index.ts";
import { backendAudience, parseBackendName, resolveModel } from "../../models/index.ts";
import type { BackendName, ChatMessage } from "../../models/types.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";

export interface ChatStatus {
  backend: BackendName;
  model: string;
  memories: number;
  hot: number;
  incognito: boolean;
  turns: number;
}

export interface CommandResult {
  /** Text to show the user. */
  output: string;
  exit?: boolean;
  error?: boolean;
}

export const HELP = `Commands:
  /backend [ollama|anthropic]  show or switch the backend
  /model [NAME]                show or switch the model
  /remember TEXT               store TEXT in memory
  /forget ID                   delete memory item ID for good
  /context [QUERY]             show what the backend would receive
  /incognito [on|off]          store nothing from the session (toggles)
  /help                        this list
  /exit                        leave (Ctrl-D too)
Anything else is sent as a message. Up and Down recall earlier input; Left,
Right, Ctrl-A, Ctrl-E, Ctrl-W and Ctrl-U edit it. Ctrl-C (or Esc) stops an
answer that is streaming.`;

/** How many earlier messages are sent with each new one. */
const HISTORY_MESSAGES = 20;

export interface ChatSessionOptions {
  paths: Paths;
  db: Database;
  config: Config;
  backend?: BackendName;
  model?: string;
  incognito?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Forgets a memory everywhere a copy may be (`/forget`): the lines to show, or undefined when there is no such item. */
  forget: (id: number) => string[] | undefined;
  /** Starts learning from the queued exchanges in the background (called after each stored exchange). */
  startLearner?: () => void | Promise<void>;
}

export class ChatSession {
  backend: BackendName;
  model: string;
  incognito: boolean;
  readonly history: ChatMessage[] = [];
  private memStore?: MemoryStore;
  /** This conversation's local answers, withheld if it moves to a cloud backend. */
  private readonly localAnswers = new LocalAnswers();

  constructor(private readonly opts: ChatSessionOptions) {
    const r = resolveModel({ purpose: "answer", backend: opts.backend, model: opts.model, config: opts.config });
    this.backend = r.backend;
    this.model = r.model;
    this.incognito = opts.incognito ?? opts.config.memory.incognito;
  }

  private async mem(): Promise<MemoryStore> {
    return (this.memStore ??= openMemory(this.opts.db, this.opts.config));
  }

  async status(): Promise<ChatStatus> {
    let memories = 0;
    let hot = 0;
    try {
      const s = (await this.mem()).stats();
      memories = s.active;
      hot = s.byTier.hot;
    } catch {}
    return { backend: this.backend, model: this.model, memories, hot, incognito: this.incognito, turns: this.history.length / 2 };
  }

  /** Sends one message; the answer streams through onText. */
  async send(text: string, opts: { onText?: (t: string) => void; signal?: AbortSignal } = {}): Promise<AskResult> {
    const r = await ask(text, {
      paths: this.opts.paths,
      db: this.opts.db,
      config: this.opts.config,
      env: this.opts.env,
      backend: this.backend,
      model: this.model,
      incognito: this.incognito,
      history: this.history.slice(-HISTORY_MESSAGES),
      onText: opts.onText,
      signal: opts.signal,
      source: "chat",
      localAnswers: this.localAnswers,
    });
    this.history.push({ role: "user", content: text }, { role: "assistant", content: r.interrupted ? `${r.answer} [interrupted]` : r.answer });
    if (r.learning === "pending") await this.opts.startLearner?.();
    return r;
  }

  /** What was learned since the user was last told, one line per item (each told once). */
  learned(): string[] {
    try {
      return learningNotices(this.opts.db, this.opts.config).map(noticeLine);
    } catch {
      return [];
    }
  }

  /** Runs a slash command (the line starts with "/"). */
  async command(line: string): Promise<CommandResult> {
    const [cmd = "", ...rest] = line.trim().slice(1).split(/\s+/);
    const arg = line.trim().slice(1 + cmd.length).trim();
    try {
      switch (cmd.toLowerCase()) {
        case "help":
        case "?":
          return { output: HELP };
        case "exit":
        case "quit":
        case "q":
          return { output: "", exit: true };
        case "backend": {
          if (!arg) return { output: `backend: ${this.backend} (${this.model})` };
          this.backend = parseBackendName(arg);
          // A model belongs to its backend: switching resets it to that backend's configured one.
          this.model = resolveModel({ purpose: "answer", backend: this.backend, config: this.opts.config }).model;
          return { output: `backend: ${this.backend} (${this.model})${this.backend === "anthropic" ? " — cloud: private items are not sent" : ""}` };
        }
        case "model": {
          if (!arg) return { output: `model: ${this.model} (${this.backend})` };
          this.model = arg;
          return { output: `model: ${this.model} (${this.backend})` };
        }
        case "remember": {
          if (!arg) return { output: "usage: /remember TEXT", error: true };
          const r = (await this.mem()).remember({ content: arg, kind: "note", source: "chat" });
          return { output: r.merged ? `already remembered as mem:${r.item.id}` : `remembered as mem:${r.item.id}${r.redacted ? " (secrets redacted)" : ""}` };
        }
        case "forget": {
          const id = Number(arg.replace(/^mem:/, ""));
          if (!arg || !Number.isInteger(id) || id < 1) return { output: "usage: /forget ID (a memory id, e.g. /forget 42)", error: true };
          const lines = this.opts.forget(id);
          if (!lines) return { output: `no memory item ${id}`, error: true };
          return { output: [`forgot mem:${id}`, ...lines].join("\n") };
        }
        case "context": {
          const audience = backendAudience(this.backend, this.opts.config);
          const ctx = await assembleContext({ paths: this.opts.paths, db: this.opts.db, config: this.opts.config, audience, query: rest.length ? arg : undefined, env: this.opts.env });
          return { output: `${ctx.text.trim() || "(empty)"}\n— ${ctx.tokens} tokens, for a ${audience} model` };
        }
        case "incognito": {
          this.incognito = arg === "on" ? true : arg === "off" ? false : !this.incognito;
          return { output: `incognito ${this.incognito ? "on: nothing from now on is stored" : "off: exchanges are remembered"}` };
        }
        default:
          return { output: `unknown command /${cmd} — /help lists them`, error: true };
      }
    } catch (err) {
      if (err instanceof PaiError) return { output: err.hint ? `${err.message} — ${err.hint}` : err.message, error: true };
      throw err;
    }
  }
}
