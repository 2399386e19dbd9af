/**
 * The user's context is assembled from sources (Telos, preferences, memory, …). Each source returns
 * sections of items with a priority; the assembler keeps the highest-priority items that fit the budget,
 * drops everything private when the audience is a cloud model, and renders the text.
 */
import type { Audience } from "../models/types.ts";

import type { Visibility } from "../kernel/privacy.ts";
export type { Visibility };

export interface ContextRequest {
  query?: string;
  /** Token budget (estimated tokens = ceil(chars / 4)). */
  budget: number;
  audience: Audience;
}

export interface ContextItem {
  /** Stable reference shown to the model: a Telos id ("G1") or a memory id ("mem:42"). */
  ref?: string;
  text: string;
  visibility: Visibility;
  /**
   * Higher is kept first when the budget is tight (0–100: the Telos uses 100 for the name down to 35 for ideas,
   * see sources/telos.ts; memory 34–70, see policy.ts). Ties: section order, then position.
   */
  priority: number;
  /** Memory item id, when the item is a memory (so an answer can record which it used). */
  memoryId?: number;
  /** Why the source offers it ("pinned", "matches the request (0.80)"), for `pai context --explain`. */
  rule?: string;
  /** The budget share it counts against (see GROUP_CAPS in policy.ts: "episode", "action", "window"); none: no cap. */
  group?: string;
}

export interface ContextSection {
  /** Stable key, e.g. "identity", "goals", "projects", "preferences", "memory.hot", "memory.matches". */
  key: string;
  title: string;
  /** Sections render in ascending order. */
  order: number;
  items: ContextItem[];
}

export interface ContextSource {
  name: string;
  collect(req: ContextRequest): ContextSection[] | Promise<ContextSection[]>;
  /**
   * What the source writes down once its last collect was used (memory: the knowledge it matched is warmed).
   * Kept apart from collect, so that a caller can send the context first and write this afterwards.
   */
  recordUse?(): void;
}
