/**
 * The learner: learns from every queued exchange it can claim, one after the other, and records each outcome
 * in the queue. It runs in a process of its own (`pai learn`, started in the background by `pai ask` and
 * `pai chat` once the answer is shown), so the prompt never waits for it. What was learned is told to the user
 * by the next command that talks to them (`learningNotices`).
 */
import type { Config } from "../config/index.ts";
import { openMemory, type MemoryStore } from "../memory/index.ts";
import type { Database } from "../kernel/storage/index.ts";
import { learnFromExchange } from "./learn.ts";
import { claimNext, MAX_ATTEMPTS, pendingCount, refreshClaims, release, settle, takeSettled, CLAIM_REFRESH_MS } from "./pending.ts";

export interface LearnPendingOptions {
  db: Database;
  config: Config;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** The claimant's id (default this process's pid). */
  pid?: number;
}

export interface LearnPendingResult {
  /** Exchanges this learner settled or gave back. */
  processed: number;
  /** The memory items it stored. */
  learnedIds: number[];
}

/** The question and answer of a stored exchange (its episode reads "Q: …\nA: …"). */
export function exchangeOf(content: string): { question: string; answer: string } | undefined {
  const m = /^Q: ([\s\S]*?)\nA: ([\s\S]*)$/.exec(content);
  return m ? { question: m[1]!, answer: m[2]! } : undefined;
}

function reason(err: unknown): string {
  return String((err as Error | null)?.message ?? err).split("\n", 1)[0]!.slice(0, 300);
}

/** Learns from every pending exchange no other live learner holds; each is tried at most once per call. */
export async function learnPending(opts: LearnPendingOptions): Promise<LearnPendingResult> {
  const { db, config } = opts;
  const pid = opts.pid ?? process.pid;
  const mem = openMemory(db, config);
  const tried = new Set<number>();
  const learnedIds: number[] = [];
  const timer = setInterval(() => {
    try {
      refreshClaims(db, pid);
    } catch {}
  }, CLAIM_REFRESH_MS);
  timer.unref?.();
  try {
    for (;;) {
      if (opts.signal?.aborted) break;
      const row = claimNext(db, pid, tried);
      if (!row) break;
      tried.add(row.episodeId);
      const episode = mem.get(row.episodeId);
      const exchange = episode && episode.kind === "episode" ? exchangeOf(episode.content) : undefined;
      if (!exchange) {
        settle(db, row.episodeId, "skipped");
        continue;
      }
      let stored = false;
      try {
        const r = await learnFromExchange({
          ...exchange,
          episodeId: row.episodeId,
          exchangeId: row.exchangeId,
          db,
          config,
          mem,
          env: opts.env,
          signal: opts.signal,
          answeredBy: row.answeredBy,
          // The items and the queue's record of them are written in one transaction.
          onStored: (ids) => {
            settle(db, row.episodeId, "learned", { learnedIds: ids });
            learnedIds.push(...ids);
            stored = true;
          },
        });
        if (!stored) settle(db, row.episodeId, r.status === "malformed" ? "malformed" : "skipped");
      } catch (err) {
        if (opts.signal?.aborted) release(db, row.episodeId, "interrupted");
        else if (row.attempts >= MAX_ATTEMPTS) settle(db, row.episodeId, "failed", { error: reason(err) });
        else release(db, row.episodeId, reason(err));
      }
    }
  } finally {
    clearInterval(timer);
  }
  return { processed: tried.size, learnedIds };
}

/** Waits until no exchange is in a live learner's hands (or the time is up); true when none is. */
export async function waitForLearners(db: Database, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { pending, free } = pendingCount(db);
    if (pending === free) return true;
    if (Date.now() >= end || signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One thing the user is told about learning. */
export type LearningNotice =
  | { type: "learned"; id: number; content: string; replaces?: number }
  | { type: "malformed"; episodeId: number; question: string }
  | { type: "failed"; episodeId: number; question: string; error: string };

function questionOf(mem: MemoryStore, episodeId: number): string | undefined {
  const ep = mem.get(episodeId);
  if (!ep) return undefined;
  const q = typeof ep.meta.question === "string" ? ep.meta.question : (exchangeOf(ep.content)?.question ?? "");
  const line = q.replace(/\s+/g, " ").trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/**
 * What was learned (or failed to be) since the user was last told, each item once. An item forgotten in the
 * meantime, and an exchange forgotten before it was learned from, are left out.
 */
export function learningNotices(db: Database, config: Config): LearningNotice[] {
  const rows = takeSettled(db);
  if (!rows.length) return [];
  const mem = openMemory(db, config);
  const out: LearningNotice[] = [];
  for (const r of rows) {
    if (r.state === "learned") {
      for (const id of r.learnedIds) {
        const item = mem.get(id);
        if (!item) continue;
        out.push({ type: "learned", id, content: item.content, ...(item.supersedes !== null && item.supersedes !== undefined ? { replaces: item.supersedes } : {}) });
      }
    } else if (r.state === "malformed" || r.state === "failed") {
      const question = questionOf(mem, r.episodeId);
      if (question === undefined) continue;
      out.push(r.state === "malformed" ? { type: "malformed", episodeId: r.episodeId, question } : { type: "failed", episodeId: r.episodeId, question, error: r.error ?? "" });
    }
  }
  return out;
}

/** A notice in words, one line (without the "pai: " a command puts before it). */
export function noticeLine(n: LearningNotice): string {
  const line = (s: string) => s.replace(/\s+/g, " ").trim();
  switch (n.type) {
    case "learned":
      return `learned mem:${n.id} "${line(n.content)}"${n.replaces !== undefined ? ` (replaces mem:${n.replaces})` : ""} — undo: pai memory forget ${n.id}`;
    case "malformed":
      return `nothing learned from "${n.question}" (the model's answer was not valid JSON); the exchange stays stored as mem:${n.episodeId}`;
    case "failed":
      return `nothing learned from "${n.question}" (${line(n.error)}; tried ${MAX_ATTEMPTS} times); the exchange stays stored as mem:${n.episodeId}`;
  }
}
