/**
 * The daemon's embedding passes: while it runs, the daemon embeds what waits for a vector (commands that
 * write memory then start no embedder of their own): every EMBED_EVERY_MS, and shortly after each firing
 * ends (its action may have stored memory). A pass runs beside the triggers, never before them: its network
 * waits are asynchronous, each batch is written in one short transaction, and a pass never overlaps another.
 * A failure of the model is recorded by the pass and the back-off holds further passes (../../context/embed.ts).
 */
import type { Config } from "../../config/index.ts";
import type { Paths } from "../../kernel/paths.ts";
import type { Database } from "../../kernel/storage/index.ts";

export const EMBED_EVERY_MS = 30_000;
/** How long after a firing ends its pass starts (firings that end together share one). */
const AFTER_FIRING_MS = 1_000;
const FULL_EVERY = 10;

export class EmbedPasses {
  private every: ReturnType<typeof setInterval> | undefined;
  private soon: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Every FULL_EVERY-th pass (the first one too) looks at the whole store; the others only at recent items (cheap at a million items). */
  private passes = 0;
  private readonly abort = new AbortController();

  constructor(private readonly opts: { db: Database; config: Config; paths: Paths; log: (line: string) => void; everyMs?: number }) {}

  start(): void {
    if (this.opts.config.memory.embeddings === "off") return;
    this.every = setInterval(() => this.kick(), this.opts.everyMs ?? EMBED_EVERY_MS);
    this.every.unref?.();
    this.kick();
  }

  /** A pass shortly (after a firing ended). */
  afterFiring(): void {
    if (!this.every || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.kick();
    }, AFTER_FIRING_MS);
    this.soon.unref?.();
  }

  /** A pass now, or right after the one running. */
  kick(): void {
    if (this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const { db, config, paths, log } = this.opts;
    const recent = this.passes++ % FULL_EVERY !== 0;
    // The pipeline (with its model client) is loaded on the first pass, not when the daemon module is.
    this.running = import("../../context/embed.ts")
      .then(({ embedPass }) => embedPass({ db, config, run: paths.run, signal: this.abort.signal, recent }))
      .then((r) => {
        if (r?.embedded) log(`embedded ${r.embedded} item(s) with ${r.model} (${r.left} left)`);
      })
      .catch((err) => log(`embedding pass failed: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops the passes; a batch in flight is dropped (what was stored stays). */
  async stop(): Promise<void> {
    if (this.every) clearInterval(this.every);
    if (this.soon) clearTimeout(this.soon);
    this.abort.abort();
    await this.running;
  }
}
