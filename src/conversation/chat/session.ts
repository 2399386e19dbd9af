/**
 * A chat session, independent of any screen: the conversation so far, the backend and model in use, the
 * incognito switch, and the slash commands. The Ink screen and the line mode both drive one of these.
 * Each exchange goes through ask(), so it is answered with the user's context and remembered the same way;
 * it is learned from in the background, and what was learned is shown before the next message (`learned`).
 * A conversation has an id; each stored exchange is recorded under it, so that `pai chat --continue` /
 * `--resume ID` can take it up again (conversations.ts).
 */
import type { Config } from "../../config/index.ts";
import { PaiError } from "../../kernel/errors.ts";
import { ask, LocalAnswers, type AskResult } from "../ask.ts";
import { learningNotices, noticeLine } from "../learner.ts";
import { assembleContext } from "../../context/index.ts";
import { openMemory, type MemoryStore } from "../../memory/index.ts";
import { backendAudience, parseBackendName, resolveModel } from "../../models/index.ts";
import { copyToClipboard } from "../clipboard.ts";
import { newConversationId, recordExchange, type StoredConversation } from "../conversations.ts";
import { saveTranscript, transcriptMarkdown } from "./transcript.ts";
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
  /** The conversation's id (`pai chat --resume ID`). */
  conversation: string;
}

export interface CommandResult {
  /** Text to show the user. */
  output: string;
  exit?: boolean;
  error?: boolean;
  /** A new conversation began (/new): a screen may clear the earlier one from view. */
  clear?: boolean;
}

export const HELP = `Commands:
  /backend [ollama|anthropic]  show or switch the backend
  /model [NAME]                show or switch the model
  /new                         start a new conversation (this one stays stored)
  /save FILE                   write the conversation to FILE as Markdown
                               (an existing FILE is kept: /save! FILE overwrites it)
  /copy                        copy the last answer to the clipboard
  /remember TEXT               store TEXT in memory
  /forget ID                   delete memory item ID for good
  /context [QUERY]             show what the backend would receive
  /incognito [on|off]          store nothing from the session (toggles)
  /help                        this list
  /exit                        leave (Ctrl-D too)
Anything else is sent as a message. 'pai chat --continue' takes up the last
conversation again, 'pai chat --resume ID' a given one. Enter sends; Alt-Enter
(or Shift-Enter) adds a line, a paste stays one message, Ctrl-G edits the input in
$EDITOR. Up and Down recall earlier input; Left, Right, Ctrl-A, Ctrl-E, Ctrl-W and
Ctrl-U edit it. Ctrl-C (or Esc) stops an answer that is streaming.`;

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
  /** A stored conversation to take up again (`pai chat --continue` / `--resume ID`). */
  conversation?: StoredConversation;
  /** Writes to the user's terminal, for /copy (undefined when there is none). */
  terminal?: (data: string) => void;
}

export class ChatSession {
  backend: BackendName;
  model: string;
  incognito: boolean;
  readonly history: ChatMessage[] = [];
  /** This conversation's id, and whether an exchange of it is stored yet (its last one). */
  conversationId: string;
  private lastEpisode?: number;
  private memStore?: MemoryStore;
  /** This conversation's local answers, withheld if it moves to a cloud backend. */
  private localAnswers = new LocalAnswers();
  /** Messages of resumed exchanges a local model answered: private memories, never sent to a cloud model. */
  private readonly privateTurns = new Set<ChatMessage>();

  constructor(private readonly opts: ChatSessionOptions) {
    const r = resolveModel({ purpose: "answer", backend: opts.backend, model: opts.model, config: opts.config });
    this.backend = r.backend;
    this.model = r.model;
    this.incognito = opts.incognito ?? opts.config.memory.incognito;
    this.conversationId = opts.conversation?.id ?? newConversationId();
    for (const t of opts.conversation?.turns ?? []) {
      const q: ChatMessage = { role: "user", content: t.question };
      const a: ChatMessage = { role: "assistant", content: t.interrupted ? `${t.answer} [interrupted]` : t.answer };
      this.history.push(q, a);
      if (t.answeredBy === "local") {
        this.privateTurns.add(q).add(a);
        this.localAnswers.add(a.content);
      }
      this.lastEpisode = t.episodeId;
    }
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
    return { backend: this.backend, model: this.model, memories, hot, incognito: this.incognito, turns: this.history.length / 2, conversation: this.conversationId };
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
      history: this.historyFor(this.backend).slice(-HISTORY_MESSAGES),
      onText: opts.onText,
      signal: opts.signal,
      source: "chat",
      localAnswers: this.localAnswers,
      episodeMeta: { conversation: this.conversationId },
    });
    if (r.episodeId !== undefined) {
      recordExchange(this.opts.db, this.conversationId, r.episodeId);
      this.lastEpisode = r.episodeId;
    }
    this.history.push({ role: "user", content: text }, { role: "assistant", content: r.interrupted ? `${r.answer} [interrupted]` : r.answer });
    if (r.learning === "pending") await this.opts.startLearner?.();
    return r;
  }

  /** The earlier messages a backend may see: for a cloud one, resumed exchanges answered locally are left out. */
  private historyFor(backend: BackendName): ChatMessage[] {
    if (!this.privateTurns.size || backendAudience(backend, this.opts.config) !== "cloud") return this.history;
    return this.history.filter((m) => !this.privateTurns.has(m));
  }

  /** Starts a new conversation: nothing earlier is sent with the next message. */
  private startNew(): CommandResult {
    const before = this.lastEpisode !== undefined ? this.conversationId : undefined;
    this.history.length = 0;
    this.privateTurns.clear();
    this.localAnswers = new LocalAnswers();
    this.lastEpisode = undefined;
    this.conversationId = newConversationId();
    const kept = before ? ` — the one before is stored: 'pai chat --resume ${before}'` : "";
    return { output: `new conversation ${this.conversationId}${kept}`, clear: true };
  }

  private save(file: string, overwrite: boolean): CommandResult {
    if (!file) return { output: "usage: /save FILE (an existing FILE is kept; /save! FILE overwrites it)", error: true };
    if (!this.history.length) return { output: "nothing to save yet — the conversation is empty", error: true };
    const md = transcriptMarkdown(this.history, { id: this.conversationId, backend: this.backend, model: this.model });
    const path = saveTranscript(file, md, overwrite);
    return { output: `saved ${this.history.length / 2} exchange${this.history.length === 2 ? "" : "s"} to ${path}` };
  }

  private copy(): CommandResult {
    const last = [...this.history].reverse().find((m) => m.role === "assistant");
    if (!last?.content.trim()) return { output: "no answer to copy yet", error: true };
    const text = last.content.replace(/ \[interrupted\]$/, "");
    const ways = copyToClipboard(text, { terminal: this.opts.terminal, env: this.opts.env });
    if (!ways.length) return { output: "no terminal to copy through — /save FILE writes the conversation to a file", error: true };
    return { output: `copied the last answer (${text.length} characters) through ${ways.join(" and ")}` };
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
          const name = parseBackendName(arg);
          // Refused at once rather than at the next message: the backend stays as it was.
          if (name === "anthropic" && !(this.opts.env ?? process.env).ANTHROPIC_API_KEY?.trim())
            return { output: `no Anthropic API key — set ANTHROPIC_API_KEY and start pai chat again; the backend stays ${this.backend} (${this.model})`, error: true };
          this.backend = name;
          // A model belongs to its backend: switching resets it to that backend's configured one.
          this.model = resolveModel({ purpose: "answer", backend: this.backend, config: this.opts.config }).model;
          return { output: `backend: ${this.backend} (${this.model})${this.backend === "anthropic" ? " — cloud: private items are not sent" : ""}` };
        }
        case "model": {
          if (!arg) return { output: `model: ${this.model} (${this.backend})` };
          this.model = arg;
          return { output: `model: ${this.model} (${this.backend})` };
        }
        case "new":
          return this.startNew();
        case "save":
        case "save!":
          return this.save(arg, cmd === "save!");
        case "copy":
          return this.copy();
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
