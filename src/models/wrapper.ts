/**
 * The cross-cutting wrapper around any backend: the caps of user/limits.json checked before anything is sent
 * (limits.ts), an idle timeout, retries with backoff on 429/5xx/529 and timeouts (only before the first event
 * of a stream, so nothing is shown twice), and one call-log row per attempt with its estimated cost
 * (prices.ts); the texts of the call beside the row that ends it (calltexts.ts). A failure that survives the
 * retries becomes one user-facing line (see toPaiError).
 */
import type { Database } from "../kernel/storage/index.ts";
import { Secrets } from "../kernel/secrets.ts";
import { BackendDecorator } from "./decorator.ts";
import { recordCall, type CallOutcome } from "./calllog.ts";
import { recordTexts } from "./calltexts.ts";
import { redactRequest } from "./redaction.ts";
import { checkCaps, userDirOf } from "./limits.ts";
import { costOf, loadPrices, type PriceTable } from "./prices.ts";
import { BackendFailure, toPaiError } from "./errors.ts";
import type { ChatEvent, ChatRequest, ModelBackend, ModelInfo, Purpose } from "./types.ts";
import { tokensOfChars } from "../kernel/text.ts";

export interface WrapOptions {
  purpose: Purpose;
  /** Model used when a request names none (resolved from flags and config). */
  model: string;
  retries: number;
  timeoutMs: number;
  backoffMs: number;
  /** Where every call is logged. */
  db: Database;
  /** Secret values never to write into the call log (credential shapes are redacted anyway). */
  secrets?: Secrets;
  /** The job and the pack the calls are made for (the call log records them; their caps apply). */
  job?: string;
  pack?: string;
  /** Keep the texts of each chat call for 'pai log show' (false: incognito). Default true. */
  keepTexts?: boolean;
  /** The clock the caps' days and months are read from (default: the machine's). */
  now?: () => Date;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/** Exponential backoff, or the server's Retry-After when it asks for longer (at most 30 s). */
export function retryDelay(backoffMs: number, attempt: number, f: BackendFailure): number {
  const backoff = backoffMs * 2 ** (attempt - 1);
  const asked = f.extra.retryAfterMs;
  return asked !== undefined && asked > backoff ? Math.min(asked, 30_000) : backoff;
}

export class LoggedBackend extends BackendDecorator {
  constructor(
    inner: ModelBackend,
    private readonly opts: WrapOptions,
  ) {
    super(inner, opts.model);
  }

  #prices: PriceTable | undefined;

  /** The prices (system/prices.json under user/overrides/prices.json), read once; throws on a broken file. */
  private prices(): PriceTable {
    return (this.#prices ??= loadPrices(userDirOf(this.opts.db)));
  }

  /**
   * Before anything is sent: a call to a paid backend needs readable prices (its cost counts against the
   * caps); then every cap that applies must not be reached. A refusal is logged as "refused" and thrown.
   */
  private admit(model: string, purpose: string, req?: ChatRequest): void {
    try {
      if (this.name !== "ollama") this.prices();
      checkCaps(this.opts.db, { backend: this.name, purpose, job: this.opts.job, pack: this.opts.pack }, (this.opts.now ?? (() => new Date()))());
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      const kind = req ? "chat" : "embed";
      const id = this.log({ model, purpose, kind, start: performance.now(), outcome: "refused", attempt: 0, error: message.slice(0, 500), exchangeId: req?.exchangeId });
      if (req) this.keep(id, req, "");
      throw err;
    }
  }

  private log(row: {
    model: string;
    purpose: string;
    kind: "chat" | "embed";
    inputTokens?: number;
    outputTokens?: number;
    start: number;
    outcome: CallOutcome;
    attempt: number;
    error?: string;
    exchangeId?: string;
  }): number | undefined {
    let cost: number | null = null;
    try {
      cost = costOf(this.prices(), this.name, row.model, row.inputTokens ?? 0, row.outputTokens ?? 0) ?? null;
    } catch {
      // A broken prices file: the call to Ollama still goes (a paid call was refused before it was sent).
    }
    const record = {
      at: new Date(Date.now()).toISOString(),
      backend: this.name,
      model: row.model,
      purpose: row.purpose,
      kind: row.kind,
      inputTokens: row.inputTokens ?? 0,
      outputTokens: row.outputTokens ?? 0,
      latencyMs: Math.round(performance.now() - row.start),
      outcome: row.outcome,
      attempt: row.attempt,
      // An error may quote what was sent (a server echoing the request): never a secret in the call log.
      error: row.error ? (this.opts.secrets ?? new Secrets()).redact(row.error) : null,
      exchangeId: row.exchangeId ?? null,
      cost,
      job: this.opts.job ?? null,
      pack: this.opts.pack ?? null,
    };
    try {
      return recordCall(this.opts.db, record);
    } catch {
      // The call log must never break a call.
      return undefined;
    }
  }

  /** The texts of a call beside the row that ended it (not for an incognito call). */
  private keep(callId: number | undefined, request: ChatRequest, response: string): void {
    if (callId === undefined || this.opts.keepTexts === false) return;
    try {
      const secrets = this.opts.secrets ?? new Secrets();
      recordTexts(this.opts.db, callId, { audience: this.audience, request: redactRequest(request, secrets), response: secrets.redact(response) });
    } catch {
      // Nor must keeping its texts.
    }
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatEvent> {
    const model = req.model ?? this.opts.model;
    const purpose = req.purpose ?? this.opts.purpose;
    const attempts = this.opts.retries + 1;
    this.admit(model, purpose, req);
    // What the model said (text and tool calls), kept with the call's texts.
    let said = "";
    for (let attempt = 1; ; attempt++) {
      const ctrl = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => ctrl.abort(new BackendFailure(this.name, "timeout", `no answer within ${this.opts.timeoutMs} ms`, { model })),
          this.opts.timeoutMs,
        );
      };
      const onAbort = () => ctrl.abort(req.signal?.reason);
      if (req.signal?.aborted) ctrl.abort(req.signal.reason);
      req.signal?.addEventListener("abort", onAbort, { once: true });
      const start = performance.now();
      let yielded = false;
      let logged = false;
      try {
        arm();
        for await (const ev of this.inner.chat({ ...req, model, purpose, signal: ctrl.signal })) {
          arm();
          if (ev.type === "text") said += ev.text;
          else if (ev.type === "tool_call") said += `${said && !said.endsWith("\n") ? "\n" : ""}[tool call ${ev.call.name} ${JSON.stringify(ev.call.arguments)}]\n`;
          if (ev.type === "done") {
            logged = true;
            const id = this.log({
              model: ev.model || model,
              purpose,
              kind: "chat",
              inputTokens: ev.usage.inputTokens,
              outputTokens: ev.usage.outputTokens,
              start,
              outcome: ev.stopReason === "aborted" ? "aborted" : "ok",
              attempt,
              exchangeId: req.exchangeId,
            });
            this.keep(id, req, said);
          }
          yielded = true;
          yield ev;
        }
        return;
      } catch (err) {
        const f = err instanceof BackendFailure ? err : new BackendFailure(this.name, "server", (err as Error)?.message ?? String(err), { cause: err });
        const retry = f.retryable && !yielded && attempt < attempts && !req.signal?.aborted;
        logged = true;
        const id = this.log({
          model,
          purpose,
          kind: "chat",
          start,
          outcome: retry ? "retried" : f.kind === "timeout" ? "timeout" : "error",
          attempt,
          error: `${f.kind}: ${f.message}`.slice(0, 500),
          exchangeId: req.exchangeId,
        });
        if (!retry) {
          this.keep(id, req, said);
          throw toPaiError(f, attempt);
        }
        said = "";
        await sleep(retryDelay(this.opts.backoffMs, attempt, f), req.signal);
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener("abort", onAbort);
        // The consumer stopped reading early (break / return): still one row for the call.
        if (!logged) this.keep(this.log({ model, purpose, kind: "chat", start, outcome: "aborted", attempt, exchangeId: req.exchangeId }), req, said);
      }
    }
  }

  protected override async embedTexts(texts: string[], o: { model?: string; signal?: AbortSignal } = {}): Promise<number[][]> {
    // The resolved model is an embedding model only when this backend was built for embeddings.
    const model = o.model ?? (this.opts.purpose === "embed" ? this.opts.model : (this.embedModel ?? this.opts.model));
    const attempts = this.opts.retries + 1;
    const inputTokens = tokensOfChars(texts.reduce((n, t) => n + t.length, 0));
    this.admit(model, "embed");
    for (let attempt = 1; ; attempt++) {
      const start = performance.now();
      const signals = [AbortSignal.timeout(this.opts.timeoutMs), o.signal].filter(Boolean) as AbortSignal[];
      try {
        const out = await this.inner.embed!(texts, { model, signal: AbortSignal.any(signals) });
        this.log({ model, purpose: "embed", kind: "embed", inputTokens, start, outcome: "ok", attempt });
        return out;
      } catch (err) {
        let f = err instanceof BackendFailure ? err : new BackendFailure(this.name, "server", String((err as Error)?.message ?? err));
        if (f.kind === "aborted" && !o.signal?.aborted) f = new BackendFailure(this.name, "timeout", "embedding timed out", { model });
        const retry = f.retryable && attempt < attempts && !o.signal?.aborted;
        this.log({ model, purpose: "embed", kind: "embed", start, outcome: retry ? "retried" : "error", attempt, error: `${f.kind}: ${f.message}`.slice(0, 500) });
        if (!retry) throw toPaiError(f, attempt);
        await sleep(retryDelay(this.opts.backoffMs, attempt, f), o.signal);
      }
    }
  }

  override async listModels(): Promise<ModelInfo[]> {
    try {
      return await this.inner.listModels();
    } catch (err) {
      if (err instanceof BackendFailure) throw toPaiError(err);
      throw err;
    }
  }
}
